namespace Replicate.Samples.Tests;

/// <summary>
/// A test that drives the system Chromium. Where Chromium is missing it is reported as skipped, with the install command
/// as the reason, so a machine with only the .NET SDK gets a green <c>dotnet test</c> that still shows what did not run.
/// On CI (<c>CI=true</c>, which <c>.ci/run</c> sets after installing Chromium) it always runs, and a missing browser
/// fails it loudly instead: a browser test that quietly does not run would let CI stay green without checking the page.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        Skip = SkipReason(Chromium.ExecutablePath, Environment.GetEnvironmentVariable("CI"));
    }

    /// <summary>Why a browser test is skipped, or <see langword="null"/> when it must run.</summary>
    internal static string? SkipReason(string executablePath, string? ci) =>
        File.Exists(executablePath) || string.Equals(ci, "true", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"Chromium is not installed ({executablePath} not found). Install it to run this browser test: `apt-get install chromium` " +
              "(Debian), or set CHROMIUM_PATH to a Chromium binary. With CI=true it runs, and fails without Chromium.";
}
