namespace Replicate.Benchmarks.Harness;

/// <summary>What one measured run of a scenario reports besides the harness's own wall, CPU, allocation and memory figures.</summary>
public sealed class RunResult
{
    public RunResult(double operations)
    {
        Operations = operations;
    }

    /// <summary>How many units of work the run did (calls, tokens, MiB, items, predictions).</summary>
    public double Operations { get; private set; }

    /// <summary>Scenario-specific figures (time to first token, requests, connections, errors).</summary>
    public Dictionary<string, double> Extra { get; } = new(StringComparer.Ordinal);

    /// <summary>Per-operation latencies in milliseconds, for percentiles over a whole run, slices included.</summary>
    public List<double> LatenciesMs { get; } = [];

    /// <summary>The value at quantile <paramref name="q"/> of <see cref="LatenciesMs"/>.</summary>
    public double LatencyPercentile(double q)
    {
        var sorted = LatenciesMs.ToArray();
        Array.Sort(sorted);
        return ScenarioRunner.Percentile(sorted, q);
    }

    /// <summary>One run's result from its slices: operations and latencies add up; extra figures are averaged.</summary>
    public static RunResult Combine(IReadOnlyList<RunResult> slices)
    {
        ArgumentNullException.ThrowIfNull(slices);
        if (slices.Count == 1)
        {
            return slices[0];
        }

        var combined = new RunResult(slices.Sum(s => s.Operations));
        foreach (var slice in slices)
        {
            combined.LatenciesMs.AddRange(slice.LatenciesMs);
        }

        foreach (var key in slices.SelectMany(s => s.Extra.Keys).Distinct(StringComparer.Ordinal))
        {
            combined.Extra[key] = slices.Where(s => s.Extra.ContainsKey(key)).Average(s => s.Extra[key]);
        }

        return combined;
    }
}
