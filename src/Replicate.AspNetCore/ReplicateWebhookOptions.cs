namespace Replicate.AspNetCore;

/// <summary>How <see cref="ReplicateWebhookHttpRequestExtensions"/> reads and checks a delivery.</summary>
public sealed class ReplicateWebhookOptions
{
    /// <summary>The default <see cref="MaxBodyBytes"/>: 16 MiB, well above any prediction a webhook carries.</summary>
    public const int DefaultMaxBodyBytes = 16 * 1024 * 1024;

    /// <summary>
    /// Gets or sets the largest body read (default <see cref="DefaultMaxBodyBytes"/>). The body must be held in memory to
    /// be verified, so a bigger one is refused unread (<see cref="WebhookVerificationFailure.BodyTooLarge"/>).
    /// </summary>
    public int MaxBodyBytes { get; set; } = DefaultMaxBodyBytes;

    /// <summary>
    /// Gets or sets how far the delivery's timestamp may be from now (default <see cref="WebhookSignature.DefaultTolerance"/>,
    /// 5 minutes; Replicate's last retry comes about a minute after completion).
    /// </summary>
    public TimeSpan? Tolerance { get; set; }

    /// <summary>Gets or sets the clock the timestamp is checked against (default <see cref="TimeProvider.System"/>).</summary>
    public TimeProvider? TimeProvider { get; set; }
}
