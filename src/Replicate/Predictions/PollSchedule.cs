using System.Net;

namespace Replicate;

/// <summary>
/// The waits of one polling loop: <see cref="ReplicateClientOptions.PollingInterval"/> at first and again after every
/// change, doubling while nothing changes up to <see cref="MaxInterval"/> (a long prediction costs about 12 requests a
/// minute, not 120), and never shorter than a throttled poll's <c>Retry-After</c>.
/// </summary>
internal sealed class PollSchedule
{
    /// <summary>The longest wait between two polls, unless the configured interval is longer.</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(5);

    /// <summary>Throttled polls in a row (each after the retry handler's own retries) before the 429 surfaces.</summary>
    private const int MaxThrottledInARow = 10;

    private readonly ReplicateTransport _transport;
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private TimeSpan _next;

    public PollSchedule(ReplicateTransport transport)
    {
        _transport = transport;
        _initial = transport.Options.PollingInterval!.Value;
        _max = _initial > MaxInterval ? _initial : MaxInterval;
        _next = _initial;
    }

    /// <summary>Something changed (status, output): poll at the configured interval again.</summary>
    public void Changed() => _next = _initial;

    /// <summary>Waits the next interval, then polls; a poll still throttled after its retries waits out its <c>Retry-After</c> and polls again.</summary>
    public async Task<T> PollAsync<T>(Func<CancellationToken, Task<T>> poll, CancellationToken cancellationToken)
    {
        var delay = _next;
        _next = delay * 2 > _max ? _max : delay * 2;
        for (var throttled = 0; ; throttled++)
        {
            await Task.Delay(delay, _transport.TimeProvider, cancellationToken).ConfigureAwait(false);
            try
            {
                return await poll(cancellationToken).ConfigureAwait(false);
            }
            catch (ReplicateApiException ex) when (ex.StatusCode == HttpStatusCode.TooManyRequests && throttled < MaxThrottledInARow)
            {
                // The prediction is still running: a throttled read is a reason to wait longer, not to stop waiting.
                delay = ex.RetryAfter is { } retryAfter && retryAfter > _next ? retryAfter : _next;
            }
        }
    }
}
