using System.Threading.RateLimiting;

namespace Replicate;

/// <summary>
/// Client-side rate limits: every API request takes a lease from a <see cref="RateLimiter"/> before it is sent, creates
/// from <see cref="CreateLimiter"/> and everything else from <see cref="RequestLimiter"/>, and a 429 from the server
/// pauses every request of the client (or batch) until its <c>Retry-After</c> moment. Off for single calls unless
/// <see cref="ReplicateClientOptions.RateLimits"/> is set; on in batches (<see cref="BatchOptions.RateLimits"/>).
/// </summary>
/// <remarks>
/// The defaults match Replicate's account limits: 600 prediction creates and 3,000 other requests a minute, each a
/// token bucket refilled every tenth of the period a token takes (600/min: one token every 100 ms), with no burst above
/// that. They refill on the system clock (<see cref="TokenBucketRateLimiter"/> keeps its own time); the pause after a 429
/// and the waits after a refused lease use <see cref="ReplicateClientOptions.TimeProvider"/>. To share one budget between processes, supply your own
/// limiter, for example <c>RedisRateLimiting</c>'s token bucket over a Redis server. A limiter that refuses a lease
/// (one that does not queue) is asked again after the lease's <see cref="MetadataName.RetryAfter"/> (or its
/// <c>RATELIMIT_RETRYAFTER</c> metadata), else after 100 ms. Limiters you supply are never disposed by the SDK.
/// </remarks>
public sealed class RateLimitOptions
{
    /// <summary>Gets or sets how many prediction creates a minute the default create limiter allows (default 600, Replicate's limit).</summary>
    public int CreatesPerMinute { get; set; } = 600;

    /// <summary>Gets or sets how many other requests a minute the default request limiter allows (default 3,000, Replicate's limit).</summary>
    public int RequestsPerMinute { get; set; } = 3000;

    /// <summary>
    /// Gets or sets the limiter prediction creates (<c>POST</c> to a model's, version's or deployment's predictions) take a
    /// lease from; <see langword="null"/> builds a token bucket of <see cref="CreatesPerMinute"/>.
    /// </summary>
    public RateLimiter? CreateLimiter { get; set; }

    /// <summary>
    /// Gets or sets the limiter every other API request (polls, lists, cancels, uploads) takes a lease from;
    /// <see langword="null"/> builds a token bucket of <see cref="RequestsPerMinute"/>.
    /// </summary>
    public RateLimiter? RequestLimiter { get; set; }

    internal RateLimitOptions Clone() => (RateLimitOptions)MemberwiseClone();

    internal void Validate()
    {
        if (CreateLimiter is null)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(CreatesPerMinute, 1, nameof(CreatesPerMinute));
        }

        if (RequestLimiter is null)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(RequestsPerMinute, 1, nameof(RequestsPerMinute));
        }
    }
}
