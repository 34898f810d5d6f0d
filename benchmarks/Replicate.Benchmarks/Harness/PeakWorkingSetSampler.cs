using System.Diagnostics;

namespace Replicate.Benchmarks.Harness;

/// <summary>
/// Samples the process working set on a dedicated background thread every few milliseconds and keeps the peak. A thread
/// rather than a timer task, so a saturated thread pool (1,000 concurrent predictions on 2 cores) cannot starve it.
/// </summary>
internal sealed class PeakWorkingSetSampler : IDisposable
{
    private readonly Thread _thread;
    private readonly TimeSpan _interval;
    private readonly ManualResetEventSlim _stop = new(false);
    private long _peak;

    public PeakWorkingSetSampler(TimeSpan interval)
    {
        _interval = interval;
        Baseline = ReadWorkingSet();
        _peak = Baseline;
        _thread = new Thread(Sample) { IsBackground = true, Name = "working-set sampler", Priority = ThreadPriority.AboveNormal };
        _thread.Start();
    }

    /// <summary>The working set when sampling started.</summary>
    public long Baseline { get; }

    /// <summary>Stops sampling and returns the peak.</summary>
    public long Stop()
    {
        if (!_stop.IsSet)
        {
            _stop.Set();
            _thread.Join();
        }

        return Math.Max(Interlocked.Read(ref _peak), ReadWorkingSet());
    }

    public void Dispose()
    {
        Stop();
        _stop.Dispose();
    }

    private static long ReadWorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64;
    }

    private void Sample()
    {
        using var process = Process.GetCurrentProcess();

        // Bounded by the stop signal: Wait returns true once Stop is called.
        while (!_stop.Wait(_interval))
        {
            process.Refresh();
            var current = process.WorkingSet64;
            if (current > Interlocked.Read(ref _peak))
            {
                Interlocked.Exchange(ref _peak, current);
            }
        }
    }
}
