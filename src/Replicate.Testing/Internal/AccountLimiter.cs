using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Replicate.Testing.Internal;

/// <summary>The emulator's account rate limits: two continuously refilled token buckets, and a count of the 429s sent.</summary>
internal sealed class AccountLimiter
{
    private readonly Bucket _creates = new();
    private readonly Bucket _requests = new();
    private int _throttled;

    public int Throttled => Volatile.Read(ref _throttled);

    /// <summary>Takes a token for the request, or answers 429 and returns <see langword="false"/>.</summary>
    public async Task<bool> TryAdmitAsync(HttpContext context, EmulatorCore core, bool create)
    {
        if (core.Options.RateLimits is not { } limits)
        {
            return true;
        }

        var (perMinute, burst, bucket) = create
            ? (limits.CreatesPerMinute, limits.CreateBurst, _creates)
            : (limits.RequestsPerMinute, limits.RequestBurst, _requests);
        if (perMinute is not { } rate)
        {
            return true;
        }

        var wait = bucket.TryTake(rate, burst ?? Math.Max(1, rate / 60), core.Time.GetTimestamp(), core.Time);
        if (wait is null)
        {
            return true;
        }

        Interlocked.Increment(ref _throttled);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.Value.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await HttpResponses.WriteProblemAsync(
            context, StatusCodes.Status429TooManyRequests, "Too Many Requests",
            $"Request was throttled. Expected available in {seconds} second{(seconds == 1 ? string.Empty : "s")}.").ConfigureAwait(false);
        return false;
    }

    private sealed class Bucket
    {
        private double _tokens = double.NaN;
        private long _last;

        /// <summary>Takes a token; when none is left, returns how long until one is.</summary>
        public TimeSpan? TryTake(int perMinute, int burst, long now, TimeProvider time)
        {
            lock (this)
            {
                var perSecond = perMinute / 60.0;
                if (double.IsNaN(_tokens))
                {
                    _tokens = burst;
                }
                else
                {
                    var elapsed = (now - _last) / (double)time.TimestampFrequency;
                    _tokens = Math.Min(burst, _tokens + (elapsed * perSecond));
                }

                _last = now;
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    return null;
                }

                return TimeSpan.FromSeconds((1 - _tokens) / perSecond);
            }
        }
    }
}
