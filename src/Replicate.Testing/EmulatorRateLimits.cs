namespace Replicate.Testing;

/// <summary>
/// Account rate limits for a <see cref="ReplicateEmulator"/> (<see cref="ReplicateEmulatorOptions.RateLimits"/>): a
/// token bucket for prediction creates and one for every other authenticated request, refilled continuously on the
/// emulator's clock. A request over the limit gets 429 with <c>Retry-After</c> (whole seconds until a token is back) and
/// Replicate's throttle body, and is counted in <see cref="ReplicateEmulator.ThrottledResponses"/>.
/// </summary>
public sealed class EmulatorRateLimits
{
    /// <summary>Gets or sets prediction creates allowed a minute (Replicate: 600); <see langword="null"/> for no limit.</summary>
    public int? CreatesPerMinute { get; set; } = 600;

    /// <summary>Gets or sets other requests allowed a minute (Replicate: 3,000); <see langword="null"/> for no limit.</summary>
    public int? RequestsPerMinute { get; set; } = 3000;

    /// <summary>Gets or sets how many creates may come at once above the rate (the bucket's size); <see langword="null"/>: one second's worth.</summary>
    public int? CreateBurst { get; set; }

    /// <summary>Gets or sets how many other requests may come at once above the rate; <see langword="null"/>: one second's worth.</summary>
    public int? RequestBurst { get; set; }
}
