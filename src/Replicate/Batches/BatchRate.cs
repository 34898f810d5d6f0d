namespace Replicate;

/// <summary>Creates a second over the last 10 seconds: ten one-second buckets on the client's clock.</summary>
internal sealed class BatchRate(TimeProvider time)
{
    private const int Buckets = 10;
    private readonly long[] _counts = new long[Buckets];
    private readonly long[] _seconds = new long[Buckets];
    private readonly long _start = time.GetTimestamp();

    public void Add()
    {
        var second = Second();
        lock (_counts)
        {
            var slot = (int)(second % Buckets);
            if (_seconds[slot] != second)
            {
                _seconds[slot] = second;
                _counts[slot] = 0;
            }

            _counts[slot]++;
        }
    }

    public double PerSecond()
    {
        var now = Second();
        long total = 0;
        lock (_counts)
        {
            for (var i = 0; i < Buckets; i++)
            {
                if (now - _seconds[i] is >= 0 and < Buckets)
                {
                    total += _counts[i];
                }
            }
        }

        // Early on, divide by the time actually elapsed, not the whole window.
        var window = Math.Min(Buckets, time.GetElapsedTime(_start).TotalSeconds);
        return window <= 0 ? 0 : total / Math.Max(window, 1);
    }

    private long Second() => (long)time.GetElapsedTime(_start).TotalSeconds;
}
