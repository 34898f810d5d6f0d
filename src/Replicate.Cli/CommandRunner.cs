using System.CommandLine;
using System.Net;
using System.Text.Json;

namespace Replicate.Cli;

/// <summary>
/// Runs a command's work and turns what it throws into one line on stderr, a hint, and an exit code
/// (<see cref="ExitCodes"/>). The API token is never part of what is printed: the SDK keeps it out of its messages, and
/// nothing here prints requests or headers.
/// </summary>
internal static class CommandRunner
{
    public static void SetAction(Command command, Interrupt interrupt, Func<CliContext, Task<int>> work) =>
        command.SetAction((parseResult, _) => RunAsync(parseResult, interrupt, work));

    public static async Task<int> RunAsync(ParseResult parseResult, Interrupt interrupt, Func<CliContext, Task<int>> work)
    {
        var context = new CliContext(parseResult, interrupt);
        await using var disposeContext = context.ConfigureAwait(false);
        try
        {
            return await work(context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var (code, message, hint) = Describe(ex, context.Interrupted);
            await context.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await context.Error.WriteLineAsync("error: " + message).ConfigureAwait(false);
            if (hint is not null)
            {
                await context.Error.WriteLineAsync("hint: " + hint).ConfigureAwait(false);
            }

            return code;
        }
    }

    /// <summary>The exit code, message and hint for a failure.</summary>
    internal static (int Code, string Message, string? Hint) Describe(Exception ex, bool interrupted) => ex switch
    {
        OperationCanceledException when interrupted => (ExitCodes.Interrupted, "Interrupted.", null),
        CliException cli => (cli.ExitCode, cli.Message, cli.Hint),
        InputValidationException invalid => (ExitCodes.Usage, Describe(invalid), "Run `replicate models schema MODEL` to see the inputs it takes."),
        PredictionFailedException failed => (ExitCodes.PredictionFailed, $"Prediction {failed.PredictionId} {failed.Status}: {failed.Error ?? "no error message"}", null),
        ReplicateApiException { StatusCode: HttpStatusCode.UnprocessableEntity } rejected => (ExitCodes.Usage, rejected.Message, HintFor(rejected)),
        ReplicateApiException api => (ExitCodes.ApiError, api.Message, HintFor(api)),
        BatchJournalException journal => (ExitCodes.Usage, journal.Message, "Use another --journal file for another batch, or the same inputs to resume this one."),
        ReplicateException replicate => (ExitCodes.ApiError, replicate.Message, null),
        HttpRequestException http => (ExitCodes.ApiError, http.Message, "Check the network, or REPLICATE_BASE_URL if you set it."),
        TimeoutException timeout => (ExitCodes.ApiError, timeout.Message, "The API did not answer in time; try again."),
        FormatException format => (ExitCodes.Usage, format.Message, null),
        ArgumentException argument => (ExitCodes.Usage, argument.Message, null),
        JsonException json => (ExitCodes.Usage, "Invalid JSON: " + json.Message, null),
        IOException io => (ExitCodes.ApiError, io.Message, null),
        UnauthorizedAccessException access => (ExitCodes.ApiError, access.Message, null),
        _ => (ExitCodes.ApiError, ex.GetType().Name + ": " + ex.Message, "This looks like a bug in the replicate tool; please report it."),
    };

    /// <summary>The SDK's message without the "(Parameter 'input')" that <see cref="ArgumentException"/> appends.</summary>
    private static string Describe(InputValidationException invalid) => invalid.Violations.Count == 0
        ? invalid.Message
        : $"The input breaks the schema of {invalid.Model}; nothing was sent: " + string.Join("; ", invalid.Violations.Select(v => v.Message)) + ".";

    private static string? HintFor(ReplicateApiException api) => api.StatusCode switch
    {
        HttpStatusCode.Unauthorized => "Check the token: REPLICATE_API_TOKEN, or `replicate auth login`.",
        HttpStatusCode.NotFound => "Check the name or id (owner/name, owner/name:version).",
        HttpStatusCode.TooManyRequests => "Throttled: wait a moment and try again.",
        HttpStatusCode.UnprocessableEntity => "Run `replicate models schema MODEL` to see the inputs it takes.",
        _ => null,
    };
}
