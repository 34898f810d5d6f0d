using System.CommandLine;

namespace Replicate.Cli;

/// <summary>Options every command takes (recursive on the root command).</summary>
internal static class GlobalOptions
{
    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print data as JSON on stdout (stable, for scripts and jq)",
        Recursive = true,
    };

    public static readonly Option<bool> Emulator = new("--emulator")
    {
        Description = "Run against an embedded emulator: no account, no network, nothing billed",
        Recursive = true,
    };
}
