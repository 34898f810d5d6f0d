using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace Replicate.Benchmarks.Harness;

/// <summary>Warms a scenario up, then alternates measured SDK and baseline runs and reduces them to medians.</summary>
public static class ScenarioRunner
{
    public static async Task<ScenarioResult> RunAsync(Scenario scenario, BenchmarkSettings settings, int iterations, TextWriter log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(log);
        await scenario.SetupAsync(cancellationToken);

        var warmup = await WarmUpAsync(scenario, settings, cancellationToken);
        await log.WriteLineAsync(string.Create(
            CultureInfo.InvariantCulture,
            $"  {scenario.Name,-15} warm-up: {warmup.Rounds} round(s) in {warmup.Time.TotalSeconds:N1} s, {(warmup.JitQuiet ? "JIT quiet" : "JIT still compiling at the time limit")} ({warmup.LastWindowCompiled} method(s) compiled in the last {settings.JitQuietWindow.TotalSeconds:0.#} s)"));

        var runs = new List<Measurement>();
        var slices = Math.Max(1, scenario.Slices);
        for (var i = 0; i < iterations; i++)
        {
            // Alternate who goes first (per iteration, and per slice within it), so drift (a heap that grows, a warming
            // CPU, another process's burst) does not favour one side.
            var order = i % 2 == 0 ? new[] { Side.Sdk, Side.Baseline } : new[] { Side.Baseline, Side.Sdk };
            var parts = new Dictionary<Side, List<Measurement>> { [Side.Sdk] = [], [Side.Baseline] = [] };
            for (var slice = 0; slice < slices; slice++)
            {
                foreach (var side in slice % 2 == 0 ? order : order.Reverse())
                {
                    await scenario.PrepareRunAsync(side, cancellationToken);
                    using var timeout = Timeout(settings, cancellationToken);
                    var token = timeout.Token;
                    // One collection per iteration, before its first slice: per slice it would cost more than the slice.
                    parts[side].Add(await Measurement.MeasureAsync(side, () => scenario.RunAsync(side, token), settings.WorkingSetSampleInterval, collectFirst: slice == 0));
                }
            }

            foreach (var side in order)
            {
                var measurement = Measurement.Combine(side, parts[side]);
                runs.Add(measurement);
                await log.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  {scenario.Name,-15} run {i + 1}/{iterations} {side,-8} {measurement.Throughput,12:N1}/s  wall {measurement.Wall.TotalMilliseconds,9:N1} ms  cpu {measurement.Cpu.TotalMilliseconds,9:N1} ms  alloc {measurement.AllocatedBytes / 1024.0,11:N0} KiB  peak ws +{measurement.PeakWorkingSetDelta / 1048576.0,6:N1} MiB"));
            }
        }

        var rows = scenario.Metrics()
            .Append(Scenario.JitCompiled())
            .Select(spec => new MetricRow
            {
                Scenario = scenario.Name,
                Metric = spec.Label,
                Sdk = Median(runs.Where(r => r.Side == Side.Sdk).Select(spec.Select)),
                Baseline = Median(runs.Where(r => r.Side == Side.Baseline).Select(spec.Select)),
                PairedRatio = Median(Pairs(runs).Select(pair => spec.Select(pair.Sdk) / spec.Select(pair.Baseline))),
                Target = spec.Target,
                Format = spec.Format,
                ShowRatio = spec.ShowRatio,
            })
            .ToList();

        return new ScenarioResult { Name = scenario.Name, Description = scenario.Description, Rows = rows, Runs = runs, Warmup = warmup };
    }

    /// <summary>
    /// Unmeasured rounds (a whole run of each side) until the code is steady: at least <see cref="BenchmarkSettings.Warmups"/>,
    /// then more while a round still makes the JIT compile methods (tiered compilation promotes a method after 30 calls and
    /// a quiet spell, so a scenario of short runs needs hundreds of runs before its code is optimized), up to
    /// <see cref="BenchmarkSettings.WarmupTimeLimit"/>. Measuring earlier times the JIT, not the code: a 20,000-token stream
    /// took twice as long on the SDK side after 3 warm-up runs and the same as the baseline after 400.
    /// </summary>
    private static async Task<WarmupSummary> WarmUpAsync(Scenario scenario, BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var rounds = 0;
        var windowStarted = started;
        var windowStartCount = JitInfo.GetCompiledMethodCount();
        long compiled = 0;
        var quiet = false;
        while (rounds < settings.Warmups || (!quiet && Stopwatch.GetElapsedTime(started) < settings.WarmupTimeLimit))
        {
            for (var slice = 0; slice < Math.Max(1, scenario.Slices); slice++)
            {
                // A warm-up round is a whole run: as many slices as a measured one (JIT tiering needs the calls).
                foreach (var side in new[] { Side.Sdk, Side.Baseline })
                {
                    await scenario.PrepareRunAsync(side, cancellationToken);
                    using var timeout = Timeout(settings, cancellationToken);
                    await scenario.RunAsync(side, timeout.Token);
                }
            }

            rounds++;

            // Judged over a window of at least a second, not one round: the runtime promotes methods in batches after a
            // quiet spell, so a short round can compile nothing while hundreds of methods wait their turn.
            if (Stopwatch.GetElapsedTime(windowStarted) >= settings.JitQuietWindow)
            {
                compiled = JitInfo.GetCompiledMethodCount() - windowStartCount;
                quiet = compiled <= settings.JitQuietMethods;
                windowStarted = Stopwatch.GetTimestamp();
                windowStartCount = JitInfo.GetCompiledMethodCount();
            }
        }

        return new WarmupSummary(rounds, Stopwatch.GetElapsedTime(started), compiled, quiet);
    }

    /// <summary>The SDK and baseline runs of each iteration (runs are recorded two per iteration, in either order).</summary>
    public static IEnumerable<(Measurement Sdk, Measurement Baseline)> Pairs(IReadOnlyList<Measurement> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        for (var i = 0; i + 1 < runs.Count; i += 2)
        {
            var (first, second) = (runs[i], runs[i + 1]);
            yield return first.Side == Side.Sdk ? (first, second) : (second, first);
        }
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => double.IsFinite(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1) of <paramref name="sorted"/>, nearest rank.</summary>
    public static double Percentile(ReadOnlySpan<double> sorted, double q)
    {
        if (sorted.IsEmpty)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    private static CancellationTokenSource Timeout(BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(settings.RunTimeout);
        return source;
    }
}
