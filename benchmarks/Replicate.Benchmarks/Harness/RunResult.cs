namespace Replicate.Benchmarks.Harness;

/// <summary>What one measured run of a scenario reports besides the harness's own wall, CPU, allocation and memory figures.</summary>
public sealed class RunResult
{
    public RunResult(double operations)
    {
        Operations = operations;
    }

    /// <summary>How many units of work the run did (calls, tokens, MiB, items, predictions).</summary>
    public double Operations { get; }

    /// <summary>Scenario-specific figures (latency percentiles, time to first token, requests, connections, errors).</summary>
    public Dictionary<string, double> Extra { get; } = new(StringComparer.Ordinal);
}
