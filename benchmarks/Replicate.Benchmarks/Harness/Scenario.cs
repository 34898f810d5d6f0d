namespace Replicate.Benchmarks.Harness;

/// <summary>
/// An end-to-end scenario: the same work done through the SDK and through a bare <see cref="HttpClient"/>, against an
/// emulator on loopback, in this process. The runner warms both sides up, then alternates measured runs.
/// </summary>
public abstract class Scenario : IAsyncDisposable
{
    protected const double KiB = 1024;
    protected const double MiB = 1024 * 1024;

    /// <summary>The name used on the command line and in the table (<c>run_seq</c>, ...).</summary>
    public abstract string Name { get; }

    /// <summary>One line saying what a run does, for the report.</summary>
    public abstract string Description { get; }

    /// <summary>The unit of work, singular (<c>call</c>, <c>token</c>, <c>MiB</c>, <c>item</c>).</summary>
    protected abstract string Unit { get; }

    /// <summary>
    /// How many slices one measured run is cut into. The runner alternates the sides slice by slice (SDK, baseline,
    /// baseline, SDK, ...) and adds each side's slices up into its run, so load that comes and goes on a shared machine
    /// within a run hits both sides alike. <see cref="RunAsync"/> then does 1/<c>Slices</c> of the run's work.
    /// Only for scenarios whose sides can be live at once (no per-run <see cref="PrepareRunAsync"/>).
    /// </summary>
    public virtual int Slices => 1;

    /// <summary>Whether throughput must be at least <see cref="ThroughputTarget"/> × the baseline's.</summary>
    protected virtual bool HasThroughputTarget => true;

    /// <summary>The least SDK/baseline throughput ratio that meets the target.</summary>
    protected virtual double ThroughputTarget => 0.90;

    /// <summary>The most SDK/baseline CPU-per-unit ratio that meets the target.</summary>
    protected virtual double CpuTarget => 1.15;

    /// <summary>How CPU per unit is shown: label and how many of it make a second.</summary>
    protected virtual (string Label, double PerSecond) CpuScale => ("µs", 1e6);

    /// <summary>How allocations per unit are shown: label and bytes per label.</summary>
    protected virtual (string Label, double Bytes) AllocationScale => ("B", 1);

    /// <summary>Starts what every run shares (emulator, clients, seeded data). Not measured.</summary>
    public virtual Task SetupAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Gets ready for one run of <paramref name="side"/> (fresh emulator, cleared request log). Not measured.</summary>
    public virtual Task PrepareRunAsync(Side side, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Does the measured work once (one slice of it when <see cref="Slices"/> is more than 1).</summary>
    public abstract Task<RunResult> RunAsync(Side side, CancellationToken cancellationToken);

    /// <summary>The table rows of this scenario.</summary>
    public virtual IEnumerable<MetricSpec> Metrics()
    {
        yield return Throughput();
        yield return CpuPerUnit();
        yield return AllocatedPerUnit();
        yield return PeakWorkingSet();
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeAsyncCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Stops what <see cref="SetupAsync"/> and <see cref="PrepareRunAsync"/> started.</summary>
    protected virtual ValueTask DisposeAsyncCore() => ValueTask.CompletedTask;

    protected MetricSpec Throughput() =>
        new(Plural(Unit) + "/s", m => m.Throughput, HasThroughputTarget ? Target.RatioAtLeast(ThroughputTarget) : null);

    protected MetricSpec CpuPerUnit() =>
        new($"CPU {CpuScale.Label}/{Unit}", m => m.Cpu.TotalSeconds * CpuScale.PerSecond / m.Result.Operations, Target.RatioAtMost(CpuTarget));

    protected MetricSpec AllocatedPerUnit(Target? target = null) =>
        new($"allocated {AllocationScale.Label}/{Unit}", m => m.AllocatedBytes / AllocationScale.Bytes / m.Result.Operations, target);

    protected static MetricSpec PeakWorkingSet(Target? target = null) =>
        new("peak working set above start, MiB", m => m.PeakWorkingSetDelta / MiB, target, "0.0", ShowRatio: false);

    /// <summary>Methods the JIT compiled during a run (every scenario's last row): shows whether the warm rows measure steady-state code.</summary>
    public static MetricSpec JitCompiled() =>
        new("methods JIT-compiled during a run", m => m.JitCompiledMethods, Format: "0", ShowRatio: false);

    protected static MetricSpec ExtraMetric(string key, string label, Target? target = null, string? format = null, bool showRatio = true) =>
        new(label, m => m.Result.Extra.TryGetValue(key, out var value) ? value : double.NaN, target, format, showRatio);

    private static string Plural(string unit) => unit is "MiB" ? unit : unit + "s";
}
