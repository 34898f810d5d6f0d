namespace Replicate.Benchmarks.Harness;

/// <summary>The measured runs of one scenario and the table rows built from their medians.</summary>
public sealed class ScenarioResult
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    public required IReadOnlyList<MetricRow> Rows { get; init; }

    public required IReadOnlyList<Measurement> Runs { get; init; }

    /// <summary>How the warm-up went; <see langword="null"/> for results not made by <see cref="ScenarioRunner"/> (cold runs).</summary>
    public WarmupSummary? Warmup { get; init; }
}

/// <summary>The warm-up before a scenario's measured runs.</summary>
/// <param name="Rounds">Unmeasured rounds, each a whole run of both sides.</param>
/// <param name="Time">Their wall time.</param>
/// <param name="LastWindowCompiled">Methods the JIT compiled during the last window of rounds (<see cref="BenchmarkSettings.JitQuietWindow"/>).</param>
/// <param name="JitQuiet">Whether that window compiled no more than <see cref="BenchmarkSettings.JitQuietMethods"/>.</param>
public sealed record WarmupSummary(int Rounds, TimeSpan Time, long LastWindowCompiled, bool JitQuiet);
