namespace Replicate.Cli;

/// <summary>The one table of exit codes. Scripts branch on these, so they never change meaning.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what it was asked.</summary>
    public const int Success = 0;

    /// <summary>A prediction (or training) ran and ended failed, canceled or aborted.</summary>
    public const int PredictionFailed = 1;

    /// <summary>The command line is wrong: unknown command or option, a bad <c>key=value</c>, an input the schema refuses.</summary>
    public const int Usage = 2;

    /// <summary>The API or the network failed: no token, auth refused, not found, throttled after retries, unreachable.</summary>
    public const int ApiError = 3;

    /// <summary>Interrupted by Ctrl+C (SIGINT) or SIGTERM; what was started was canceled on the server.</summary>
    public const int Interrupted = 130;
}
