using System.Reflection;

namespace Replicate.Cli;

internal static class CliVersion
{
    /// <summary>The informational version without the source-revision suffix, e.g. <c>0.1.0</c>.</summary>
    public static string Value { get; } = Read();

    private static string Read()
    {
        var version = typeof(CliVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
