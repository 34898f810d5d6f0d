using System.Diagnostics;

namespace Replicate.Benchmarks.Harness;

/// <summary>The figures of one measured run: the scenario's own result plus the process-wide deltas around it.</summary>
public sealed class Measurement
{
    public required Side Side { get; init; }

    public required RunResult Result { get; init; }

    /// <summary>Wall time of the run.</summary>
    public required TimeSpan Wall { get; init; }

    /// <summary><see cref="Process.TotalProcessorTime"/> delta: every thread of the process, the emulator's included.</summary>
    public required TimeSpan Cpu { get; init; }

    /// <summary><see cref="GC.GetTotalAllocatedBytes(bool)"/> delta (precise), the emulator's allocations included.</summary>
    public required long AllocatedBytes { get; init; }

    /// <summary>The highest working set sampled during the run, minus the working set just before it (after a full GC).</summary>
    public required long PeakWorkingSetDelta { get; init; }

    /// <summary>Work units per second of wall time.</summary>
    public double Throughput => Result.Operations / Wall.TotalSeconds;

    /// <summary>Runs <paramref name="run"/> once and measures it. A full, compacting GC runs first so that runs start level.</summary>
    public static async Task<Measurement> MeasureAsync(Side side, Func<Task<RunResult>> run, TimeSpan sampleInterval)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);

        using var process = Process.GetCurrentProcess();
        using var sampler = new PeakWorkingSetSampler(sampleInterval);
        var startWorkingSet = sampler.Baseline;
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();

        var result = await run();

        var wall = Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var peak = sampler.Stop();
        return new Measurement
        {
            Side = side,
            Result = result,
            Wall = wall,
            Cpu = cpu,
            AllocatedBytes = allocated,
            PeakWorkingSetDelta = Math.Max(0, peak - startWorkingSet),
        };
    }
}
