namespace Replicate;

/// <summary>
/// Reusable timeout sources for request attempts: a source whose timer did not fire is reset and kept, so an attempt's
/// timeout costs no allocation once warm. A few are kept, enough for the requests a client usually has in flight;
/// beyond that a source is made and dropped. On a <see cref="TimeProvider"/> other than the system's (tests) a source
/// cannot be reset, and each attempt gets a new one.
/// </summary>
internal sealed class AttemptTimers(TimeProvider timeProvider)
{
    private readonly CancellationTokenSource?[] _spares = new CancellationTokenSource?[Math.Min(Environment.ProcessorCount * 2, 16)];

    /// <summary>A source that cancels after <paramref name="timeout"/>; give it back with <see cref="Return"/>.</summary>
    public CancellationTokenSource Rent(TimeSpan timeout)
    {
        CancellationTokenSource? source = null;
        for (var i = 0; i < _spares.Length && source is null; i++)
        {
            source = Interlocked.Exchange(ref _spares[i], null);
        }

        source ??= new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        source.CancelAfter(timeout);
        return source;
    }

    /// <summary>Takes a source back once nothing uses its token: kept if its timer can be reset, else disposed.</summary>
    public void Return(CancellationTokenSource source)
    {
        if (source.TryReset())
        {
            for (var i = 0; i < _spares.Length; i++)
            {
                if (Interlocked.CompareExchange(ref _spares[i], source, null) is null)
                {
                    return;
                }
            }
        }

        source.Dispose();
    }
}
