namespace Replicate;

/// <summary>
/// The account's webhook signing secret (<c>GET /webhooks/default/secret</c>): pass <see cref="Key"/> to
/// <see cref="WebhookSignature"/>. It is a credential: <see cref="ToString"/> does not show it.
/// </summary>
public sealed class WebhookSecret
{
    /// <summary>Gets the key, <c>whsec_</c> followed by base64.</summary>
    public required string Key { get; init; }

    /// <inheritdoc />
    public override string ToString() => "WebhookSecret { Key = *** }";
}
