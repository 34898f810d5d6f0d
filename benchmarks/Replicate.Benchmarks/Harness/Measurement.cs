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

    /// <summary>
    /// <see cref="System.Runtime.JitInfo.GetCompiledMethodCount(bool)"/> delta: methods compiled (first time or re-jitted at a
    /// higher tier) on any thread during the run. Near zero once warm; a run that still compiles is not steady state.
    /// </summary>
    public long JitCompiledMethods { get; init; }

    /// <summary>Work units per second of wall time.</summary>
    public double Throughput => Result.Operations / Wall.TotalSeconds;

    /// <summary>One side's run from its slices: wall, CPU and allocations add up, the peak is the highest.</summary>
    public static Measurement Combine(Side side, IReadOnlyList<Measurement> slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        return slices.Count == 1 ? slices[0] : new Measurement
        {
            Side = side,
            Result = RunResult.Combine([.. slices.Select(s => s.Result)]),
            Wall = TimeSpan.FromTicks(slices.Sum(s => s.Wall.Ticks)),
            Cpu = TimeSpan.FromTicks(slices.Sum(s => s.Cpu.Ticks)),
            AllocatedBytes = slices.Sum(s => s.AllocatedBytes),
            PeakWorkingSetDelta = slices.Max(s => s.PeakWorkingSetDelta),
            JitCompiledMethods = slices.Sum(s => s.JitCompiledMethods),
        };
    }

    /// <summary>
    /// Runs <paramref name="run"/> once and measures it. Unless <paramref name="collectFirst"/> is off (a later slice of
    /// a run), a full, compacting GC runs first so that runs start level.
    /// </summary>
    public static async Task<Measurement> MeasureAsync(Side side, Func<Task<RunResult>> run, TimeSpan sampleInterval, bool collectFirst = true)
    {
        if (collectFirst)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        using var process = Process.GetCurrentProcess();
        using var sampler = new PeakWorkingSetSampler(sampleInterval);
        var startWorkingSet = sampler.Baseline;
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var jitBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        var started = Stopwatch.GetTimestamp();

        var result = await run();

        var wall = Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var jitCompiled = System.Runtime.JitInfo.GetCompiledMethodCount() - jitBefore;
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
            JitCompiledMethods = jitCompiled,
        };
    }
}
