namespace Replicate.Cli;

/// <summary>
/// An error the user can fix, reported as one line on stderr (plus a hint saying what to do next) and an exit code,
/// never as a stack trace.
/// </summary>
internal sealed class CliException : Exception
{
    public CliException(int exitCode, string message, string? hint = null)
        : base(message)
    {
        ExitCode = exitCode;
        Hint = hint;
    }

    public CliException()
        : this(ExitCodes.Usage, "Invalid command line.")
    {
    }

    public CliException(string message)
        : this(ExitCodes.Usage, message)
    {
    }

    public CliException(string message, Exception innerException)
        : base(message, innerException)
    {
        ExitCode = ExitCodes.Usage;
    }

    public int ExitCode { get; }

    public string? Hint { get; }

    public static CliException Usage(string message, string? hint = null) => new(ExitCodes.Usage, message, hint);
}
