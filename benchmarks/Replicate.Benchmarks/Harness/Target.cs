using System.Globalization;

namespace Replicate.Benchmarks.Harness;

/// <summary>A pass/fail target for one metric row, judged on the medians of the same run.</summary>
public abstract class Target
{
    protected Target(string text)
    {
        Text = text;
    }

    /// <summary>How the target reads in the table.</summary>
    public string Text { get; }

    /// <summary>SDK/baseline ratio at least <paramref name="ratio"/> (throughput: higher is better).</summary>
    public static Target RatioAtLeast(double ratio) => new RatioTarget("≥ " + ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×", ratio, atLeast: true);

    /// <summary>SDK/baseline ratio at most <paramref name="ratio"/> (costs: lower is better).</summary>
    public static Target RatioAtMost(double ratio) => new RatioTarget("≤ " + ratio.ToString("0.00", CultureInfo.InvariantCulture) + "×", ratio, atLeast: false);

    /// <summary>SDK minus baseline below <paramref name="limit"/> (in the row's unit).</summary>
    public static Target DeltaBelow(double limit, string unit) => new DeltaTarget("Δ < " + limit.ToString("0.##", CultureInfo.InvariantCulture) + " " + unit, limit);

    /// <summary>The SDK's value below <paramref name="limit"/> (in the row's unit).</summary>
    public static Target SdkBelow(double limit, string unit) => new SdkBelowTarget("SDK < " + limit.ToString("0.##", CultureInfo.InvariantCulture) + " " + unit, limit);

    /// <summary>Both sides exactly zero (errors).</summary>
    public static Target Zero() => new ZeroTarget();

    public abstract bool IsMet(double sdk, double baseline);

    private sealed class RatioTarget(string text, double ratio, bool atLeast) : Target(text)
    {
        public override bool IsMet(double sdk, double baseline) =>
            baseline > 0 && (atLeast ? sdk / baseline >= ratio : sdk / baseline <= ratio);
    }

    private sealed class DeltaTarget(string text, double limit) : Target(text)
    {
        public override bool IsMet(double sdk, double baseline) => sdk - baseline < limit;
    }

    private sealed class SdkBelowTarget(string text, double limit) : Target(text)
    {
        public override bool IsMet(double sdk, double baseline) => sdk < limit;
    }

    private sealed class ZeroTarget() : Target("0 on both")
    {
        public override bool IsMet(double sdk, double baseline) => sdk == 0 && baseline == 0;
    }
}
