namespace Replicate.Benchmarks.Harness;

/// <summary>One row of the results table: medians of both sides over the measured runs.</summary>
public sealed class MetricRow
{
    public required string Scenario { get; init; }

    public required string Metric { get; init; }

    /// <summary>The median over the SDK's measured runs.</summary>
    public required double Sdk { get; init; }

    /// <summary>The median over the baseline's measured runs.</summary>
    public required double Baseline { get; init; }

    /// <summary>
    /// The median of the SDK/baseline ratios of each iteration's pair of runs: steadier than the ratio of medians when
    /// the machine's load drifts during the run, since both runs of a pair see about the same load.
    /// </summary>
    public double PairedRatio { get; init; } = double.NaN;

    public Target? Target { get; init; }

    public string? Format { get; init; }

    public bool ShowRatio { get; init; } = true;

    /// <summary>SDK/baseline, or NaN when the baseline is zero.</summary>
    public double Ratio => Baseline == 0 ? double.NaN : Sdk / Baseline;

    /// <summary>Whether the target is met; <see langword="null"/> when the row has none.</summary>
    public bool? Met => Target?.IsMet(Sdk, Baseline);
}
