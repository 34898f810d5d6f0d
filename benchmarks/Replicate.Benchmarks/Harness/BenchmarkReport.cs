using System.Globalization;
using System.Text;

namespace Replicate.Benchmarks.Harness;

/// <summary>The results of one invocation: the table of medians and ratios, each run, and what it ran on.</summary>
public sealed class BenchmarkReport(BenchmarkSettings settings, IReadOnlyList<ScenarioResult> scenarios, MachineInfo machine, DateTimeOffset startedAt, TimeSpan duration)
{
    public BenchmarkSettings Settings { get; } = settings;

    public IReadOnlyList<ScenarioResult> Scenarios { get; } = scenarios;

    public MachineInfo Machine { get; } = machine;

    public DateTimeOffset StartedAt { get; } = startedAt;

    public TimeSpan Duration { get; } = duration;

    /// <summary>The load averages when the run started (other processes compete for the same cores).</summary>
    public string? LoadAverageBefore { get; init; }

    public string? LoadAverageAfter { get; init; }

    /// <summary>Gets how the figures were measured, replacing the in-process description (the out-of-process runs set it).</summary>
    public string? Method { get; init; }

    public IEnumerable<MetricRow> Rows => Scenarios.SelectMany(s => s.Rows);

    /// <summary>The rows whose target was missed.</summary>
    public IEnumerable<MetricRow> Misses => Rows.Where(r => r.Met == false);

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        md.AppendLine((Settings.IsQuick ? "# Benchmarks (quick mode: sizes shrunk, timings meaningless)" : "# Benchmarks: SDK vs bare HttpClient") + (Method is null ? ", server in the same process" : ", server in another process"));
        md.AppendLine();
        md.AppendLine(inv, $"- Date: {StartedAt:yyyy-MM-dd HH:mm} UTC (took {Duration.TotalMinutes:0.0} min)");
        md.AppendLine(inv, $"- Machine: {Machine.Cores} cores ({Machine.Cpu}), {Machine.Memory}, {Machine.OperatingSystem}");
        md.AppendLine(inv, $"- Runtime: {Machine.Runtime}, {Machine.Gc} GC");
        if (LoadAverageBefore is not null)
        {
            md.AppendLine(inv, $"- Load average (1/5/15 min) before: {LoadAverageBefore}, after: {LoadAverageAfter}: other work on the machine adds noise to both sides alike");
        }
        if (Machine.Commit is not null)
        {
            md.AppendLine(inv, $"- Source: `{Machine.Commit}`");
        }

        if (Method is not null)
        {
            md.AppendLine(Method);
        }
        else
        {
            md.AppendLine(inv, $"- Method: emulator (Kestrel) on 127.0.0.1 in the same process; at least {Settings.Warmups} warm-up run(s) per side, more until the JIT goes quiet (up to {Settings.WarmupTimeLimit.TotalSeconds:0} s), then {Settings.Iterations} measured runs per side ({Settings.ConcurrentIterations} for run_concurrent), alternating which side goes first; run_seq, paginate and replay runs are cut into slices that alternate between the sides ({Settings.RunSeqSlices} of {Settings.RunSeqCalls / Settings.RunSeqSlices} calls, {Settings.PaginatePasses} listing passes, {Settings.ReplayPasses} reads of one stored stream), so load from elsewhere hits both alike; every figure is the median over those runs. SDK/baseline is the ratio of the medians (what targets are judged on); paired is the median of each iteration's own SDK/baseline ratio.");
            md.AppendLine("- CPU is `Process.TotalProcessorTime`, allocations `GC.GetTotalAllocatedBytes(true)`, both process-wide deltas, so they include the emulator's share, which is the same on both sides: ratios understate the SDK's own overhead, differences (Δ) do not. Peak working set is sampled every 2 ms and taken relative to the start of the run.");
        }

        md.AppendLine();
        md.AppendLine("| scenario | metric | SDK | baseline | SDK/baseline | paired | target | met |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---|:---:|");
        foreach (var row in Rows)
        {
            var ratio = row.ShowRatio ? FormatRatio(row.Ratio) : "–";
            var paired = row.ShowRatio ? FormatRatio(row.PairedRatio) : "–";
            var met = row.Met switch { true => "✅", false => "❌", null => string.Empty };
            md.AppendLine(inv, $"| {row.Scenario} | {row.Metric} | {Format(row.Sdk, row.Format)} | {Format(row.Baseline, row.Format)} | {ratio} | {paired} | {row.Target?.Text ?? string.Empty} | {met} |");
        }

        md.AppendLine();
        md.AppendLine("## Scenarios");
        md.AppendLine();
        foreach (var scenario in Scenarios)
        {
            var warmup = scenario.Warmup is { } w
                ? string.Create(inv, $" Warm-up: {w.Rounds} round(s), {w.Time.TotalSeconds:0.0} s, {(w.JitQuiet ? "until the JIT went quiet" : "cut at the time limit with the JIT still compiling")} ({w.LastWindowCompiled} method(s) compiled in the last second).")
                : "";
            md.AppendLine(inv, $"- `{scenario.Name}`: {scenario.Description}{warmup}");
        }

        md.AppendLine();
        md.AppendLine("## Every measured run (throughput, in run order)");
        md.AppendLine();
        md.AppendLine("| scenario | SDK | baseline |");
        md.AppendLine("|---|---|---|");
        foreach (var scenario in Scenarios)
        {
            md.AppendLine(inv, $"| {scenario.Name} | {Runs(scenario, Side.Sdk)} | {Runs(scenario, Side.Baseline)} |");
        }

        var misses = Misses.ToList();
        md.AppendLine();
        md.AppendLine(misses.Count == 0
            ? "All targets met."
            : "Targets missed: " + string.Join("; ", misses.Select(m => $"{m.Scenario} {m.Metric} ({m.Target!.Text})")) + ".");
        return md.ToString();
    }

    private static string FormatRatio(double ratio) =>
        double.IsFinite(ratio) ? ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "–";

    private static string Runs(ScenarioResult scenario, Side side) =>
        string.Join(", ", scenario.Runs.Where(r => r.Side == side).Select(r => Format(r.Throughput, null)));

    private static string Format(double value, string? format)
    {
        if (double.IsNaN(value))
        {
            return "–";
        }

        format ??= Math.Abs(value) switch
        {
            >= 1000 => "N0",
            >= 100 => "0.0",
            >= 1 => "0.00",
            _ => "0.000",
        };
        return value.ToString(format, CultureInfo.InvariantCulture);
    }
}
