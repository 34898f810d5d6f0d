using System.Threading.RateLimiting;

namespace Replicate;

/// <summary>
/// What every API request of a client (or of a batch) passes before it is sent: a shared pause while the server said
/// "throttled" (429, until its <c>Retry-After</c> moment, measured on the client's <see cref="TimeProvider"/>), then a
/// lease from the create or the request limiter. One instance is shared by all the requests it governs, so one 429
/// pauses them all instead of each retrying on its own.
/// </summary>
internal sealed class RequestThrottle : IDisposable
{
    /// <summary>How long to pause after a 429 that names no <c>Retry-After</c> (Replicate's body says "available in 1 second").</summary>
    internal static readonly TimeSpan DefaultThrottlePause = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait before asking a limiter again that refused a lease without saying for how long.</summary>
    private static readonly TimeSpan DefaultRefusalWait = TimeSpan.FromMilliseconds(100);

    /// <summary>The requests a batch sends, which take this batch's throttle instead of the client's.</summary>
    private static readonly AsyncLocal<RequestThrottle?> Scoped = new();

    private readonly TimeProvider _time;
    private readonly RateLimiter _creates;
    private readonly RateLimiter _requests;
    private readonly List<IDisposable> _owned = [];
    private long _pausedUntilTicks;
    private bool _disposed;
    private int _throttled;

    public RequestThrottle(RateLimitOptions options, TimeProvider time)
    {
        options.Validate();
        _time = time;
        _creates = options.CreateLimiter ?? TokenBucket(options.CreatesPerMinute);
        _requests = options.RequestLimiter ?? TokenBucket(options.RequestsPerMinute);
    }

    /// <summary>Gets or sets the throttle of the batch the current code runs in (flows with the async context).</summary>
    public static RequestThrottle? Current
    {
        get => Scoped.Value;
        set => Scoped.Value = value;
    }

    /// <summary>Gets how many 429 answers this throttle saw.</summary>
    public int ThrottledResponses => Volatile.Read(ref _throttled);

    /// <summary>Gets the moment requests may go again after a 429, or <see langword="null"/> when not paused.</summary>
    public DateTimeOffset? PausedUntil
    {
        get
        {
            var ticks = Volatile.Read(ref _pausedUntilTicks);
            return ticks > _time.GetUtcNow().UtcTicks ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;
        }
    }

    /// <summary>
    /// Waits out any pause, then for a lease of the create or the request limiter. The caller disposes the lease once the
    /// attempt is over (a concurrency limiter holds its permit until then).
    /// </summary>
    public async ValueTask<RateLimitLease> AcquireAsync(bool create, CancellationToken cancellationToken)
    {
        var limiter = create ? _creates : _requests;
        while (true)
        {
            await WaitWhilePausedAsync(cancellationToken).ConfigureAwait(false);
            if (Volatile.Read(ref _disposed))
            {
                // The batch is over; what it left in the background (canceling a prediction whose create answered late)
                // still goes out, unlimited, rather than fail on a disposed limiter.
                return Unlimited.Lease;
            }

            RateLimitLease lease;
            try
            {
                lease = await limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                // Disposed meanwhile (by us, or a limiter the caller supplied and disposed): as above.
                return Unlimited.Lease;
            }

            if (lease.IsAcquired)
            {
                return lease;
            }

            var wait = RetryAfterOf(lease) ?? DefaultRefusalWait;
            lease.Dispose();

            // Each refusal names a later moment, and the caller's token ends the loop.
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Pauses every request until <paramref name="retryAfter"/> from now (a 429's <c>Retry-After</c>); a later moment wins.</summary>
    public void OnThrottled(TimeSpan? retryAfter)
    {
        Interlocked.Increment(ref _throttled);
        var until = _time.GetUtcNow().UtcTicks + (retryAfter ?? DefaultThrottlePause).Ticks;
        var current = Volatile.Read(ref _pausedUntilTicks);
        while (until > current)
        {
            var seen = Interlocked.CompareExchange(ref _pausedUntilTicks, until, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Waits until no 429 pause is in force; a pause extended meanwhile is waited out too.</summary>
    public async ValueTask WaitWhilePausedAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var remaining = Volatile.Read(ref _pausedUntilTicks) - _time.GetUtcNow().UtcTicks;
            if (remaining <= 0)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromTicks(remaining), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }
    }

    /// <summary>The refused lease's own wait: the standard metadata, or the name RedisRateLimiting uses (whole seconds).</summary>
    internal static TimeSpan? RetryAfterOf(RateLimitLease lease)
    {
        if (lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero)
        {
            return retryAfter;
        }

        if (lease.TryGetMetadata("RATELIMIT_RETRYAFTER", out var value))
        {
            return value switch
            {
                TimeSpan span when span > TimeSpan.Zero => span,
                int seconds when seconds > 0 => TimeSpan.FromSeconds(seconds),
                long seconds when seconds > 0 => TimeSpan.FromSeconds(seconds),
                double seconds when seconds > 0 => TimeSpan.FromSeconds(seconds),
                _ => null,
            };
        }

        return null;
    }

    /// <summary>
    /// A token bucket of <paramref name="perMinute"/> tokens a minute, refilled in steps of a tenth of a second's worth
    /// (at least one token) and holding no more than one step: smooth, never above the rate over any step. It refills on
    /// the system clock: <see cref="TokenBucketRateLimiter"/> measures elapsed time with <see cref="System.Diagnostics.Stopwatch"/>
    /// even when replenished by hand, so it cannot follow a fake <see cref="TimeProvider"/>.
    /// </summary>
    private TokenBucketRateLimiter TokenBucket(int perMinute)
    {
        var tokensPerPeriod = Math.Max(1, (int)Math.Round(perMinute / 600.0));
        var limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = tokensPerPeriod,
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromTicks(TimeSpan.TicksPerMinute * tokensPerPeriod / perMinute),
            AutoReplenishment = true,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        _owned.Add(limiter);
        return limiter;
    }

    /// <summary>The lease of a throttle that no longer limits: always acquired, nothing to give back.</summary>
    private sealed class Unlimited : RateLimitLease
    {
        public static readonly Unlimited Lease = new();

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
