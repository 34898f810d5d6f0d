using Microsoft.Extensions.Logging;

namespace Replicate;

/// <summary>
/// The SDK's log events (category <c>Replicate</c>), source-generated so disabled levels cost nothing. Nothing here
/// takes a header, a body or the token: URLs are logged without their query strings.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "{Method} {Path} answered {StatusCode} in {ElapsedMs:0.#} ms (attempt {Attempt})")]
    public static partial void RequestCompleted(ILogger logger, string method, string path, int statusCode, double elapsedMs, int attempt);

    [LoggerMessage(2, LogLevel.Debug, "{Method} {Path} failed after {ElapsedMs:0.#} ms (attempt {Attempt}): {Error}")]
    public static partial void RequestFailed(ILogger logger, string method, string path, double elapsedMs, int attempt, string error);

    [LoggerMessage(3, LogLevel.Warning, "Retrying {Method} {Path} after {Reason}: waiting {DelayMs:0} ms (retry {Retry} of {MaxRetries})")]
    public static partial void Retrying(ILogger logger, string method, string path, string reason, double delayMs, int retry, int maxRetries);

    [LoggerMessage(4, LogLevel.Information, "Prediction {PredictionId} ({Model}) is {Status}")]
    public static partial void PredictionStatus(ILogger logger, string predictionId, string? model, string status);

    [LoggerMessage(5, LogLevel.Warning, "The stream of prediction {PredictionId} dropped after {Outputs} outputs ({Error}); reconnecting in {DelayMs:0} ms (attempt {Attempt})")]
    public static partial void StreamReconnecting(ILogger logger, string predictionId, int outputs, string error, double delayMs, int attempt);

    [LoggerMessage(6, LogLevel.Warning, "The stream of prediction {PredictionId} cannot resume ({Reason}); finishing it by polling")]
    public static partial void StreamFallingBackToPolling(ILogger logger, string predictionId, string reason);

    [LoggerMessage(7, LogLevel.Information, "Canceling prediction {PredictionId}: the caller stopped waiting for it")]
    public static partial void CancelingAbandoned(ILogger logger, string predictionId);

    [LoggerMessage(8, LogLevel.Information, "Batch of {Model}: {Progress}")]
    public static partial void BatchProgress(ILogger logger, string model, BatchProgress progress);

    [LoggerMessage(9, LogLevel.Information, "Batch of {Model}: resuming from journal {JournalPath} ({Finished} finished, {Known} awaited by id, {InDoubt} to look for)")]
    public static partial void BatchResuming(ILogger logger, string model, string journalPath, int finished, int known, int inDoubt);
}
