using Replicate.Benchmarks.EndToEnd;
using Replicate.Benchmarks.Harness;

namespace Replicate.Benchmarks;

/// <summary>The end-to-end scenarios, runnable from the command line or, in quick mode, from a test.</summary>
public static class Scenarios
{
    /// <summary>Every scenario, in the order they run.</summary>
    public static IReadOnlyList<string> Names { get; } = ["run_seq", "run_typed", "run_concurrent", "stream_burst", "stream_burst_replay", "stream_large", "stream_large_replay", "file", "paginate", "batch"];

    /// <summary>
    /// Runs every scenario with <see cref="BenchmarkSettings.Quick"/> sizes (seconds in all) and returns the report; writes
    /// no file. CI runs this so the benchmarks keep compiling and working; its timings prove nothing.
    /// </summary>
    public static Task<BenchmarkReport> RunQuickAsync(TextWriter? log = null, CancellationToken cancellationToken = default) =>
        RunAsync(BenchmarkSettings.Quick, null, log, cancellationToken);

    /// <summary>Runs the named scenarios (all when <paramref name="only"/> is null or empty).</summary>
    public static async Task<BenchmarkReport> RunAsync(BenchmarkSettings settings, IReadOnlyCollection<string>? only, TextWriter? log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        log ??= TextWriter.Null;
        var selected = only is { Count: > 0 } ? Names.Where(only.Contains).ToList() : [.. Names];
        var unknown = only?.Where(name => !Names.Contains(name)).ToList();
        if (unknown is { Count: > 0 })
        {
            throw new ArgumentException($"Unknown scenario(s): {string.Join(", ", unknown)}. Known: {string.Join(", ", Names)}.", nameof(only));
        }

        var started = DateTimeOffset.UtcNow;
        var loadBefore = MachineInfo.LoadAverage();
        var results = new List<ScenarioResult>();
        foreach (var name in selected)
        {
            await log.WriteLineAsync($"{name}:");
            await using var scenario = Create(name, settings);
            var iterations = name is "run_concurrent" or "batch" ? settings.ConcurrentIterations : settings.Iterations;
            results.Add(await ScenarioRunner.RunAsync(scenario, settings, iterations, log, cancellationToken));
        }

        return new BenchmarkReport(settings, results, MachineInfo.Describe(), started, DateTimeOffset.UtcNow - started)
        {
            LoadAverageBefore = loadBefore,
            LoadAverageAfter = MachineInfo.LoadAverage(),
        };
    }

    private static Scenario Create(string name, BenchmarkSettings settings) => name switch
    {
        "run_seq" => new RunSeqScenario(settings),
        "run_typed" => new RunTypedScenario(settings),
        "run_concurrent" => new RunConcurrentScenario(settings),
        "stream_burst" => new StreamBurstScenario(settings),
        "stream_burst_replay" => new StreamBurstScenario(settings, replay: true),
        "stream_large" => new StreamLargeScenario(settings),
        "stream_large_replay" => new StreamLargeScenario(settings, replay: true),
        "file" => new FileScenario(settings),
        "paginate" => new PaginateScenario(settings),
        "batch" => new BatchScenario(settings),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown scenario."),
    };
}
