namespace Replicate.Benchmarks.Harness;

/// <summary>One row of the results table: how to read a figure from each run, and the target it must meet, if any.</summary>
/// <param name="Label">The metric's name with its unit, e.g. <c>calls/s</c>.</param>
/// <param name="Select">Reads the figure from one run.</param>
/// <param name="Target">The target, or <see langword="null"/> for a figure that is only reported.</param>
/// <param name="Format">A .NET numeric format for the values, or <see langword="null"/> for one chosen by magnitude.</param>
/// <param name="ShowRatio">Whether SDK/baseline means anything (not for figures near zero, such as memory growth).</param>
public sealed record MetricSpec(string Label, Func<Measurement, double> Select, Target? Target = null, string? Format = null, bool ShowRatio = true);
