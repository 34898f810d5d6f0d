namespace Replicate.Benchmarks.Harness;

/// <summary>The measured runs of one scenario and the table rows built from their medians.</summary>
public sealed class ScenarioResult
{
    public required string Name { get; init; }

    public required string Description { get; init; }

    public required IReadOnlyList<MetricRow> Rows { get; init; }

    public required IReadOnlyList<Measurement> Runs { get; init; }
}
