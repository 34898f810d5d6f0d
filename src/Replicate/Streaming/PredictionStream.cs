using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Replicate;

/// <summary>
/// Reads a prediction's server-sent events and survives a dropped connection: it reconnects with backoff and
/// <c>Last-Event-ID</c>, skips anything the server replays, and when the server cannot resume it polls the prediction
/// for the rest of the output, so the caller sees every event once, in order, and never a silently cut stream.
/// </summary>
internal static class PredictionStream
{
    /// <summary>The largest event accepted; larger ones end the stream rather than grow a buffer without bound.</summary>
    internal const int MaxEventBytes = 64 * 1024 * 1024;

    /// <summary>
    /// Reconnects allowed over a stream's whole life, on top of <see cref="ReplicateClientOptions.MaxRetries"/> in a row
    /// without progress: enough for a long stream behind a proxy or an <c>HttpClient.Timeout</c> that cuts it regularly,
    /// not enough to spin forever on a server that drops after every event.
    /// </summary>
    internal const int MaxTotalReconnects = 100;

    public static async IAsyncEnumerable<StreamEvent> ReadAsync(
        PredictionsClient predictions, ReplicateTransport transport, Prediction prediction, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var streamUri = prediction.Urls?.Stream ?? throw new ReplicateException(
            $"Model {prediction.Model ?? "(unknown)"} does not support streaming: prediction {prediction.Id} has no stream URL (urls.stream). " +
            "Use RunAsync, or Predictions.EnumerateOutputAsync to poll its output as it grows.");

        var position = new Position();
        var drops = 0;
        var reconnects = 0;
        Exception? lastDrop = null;
        while (true)
        {
            HttpResponseMessage? response = null;
            var canResume = position.LastId is not null || position.Outputs == 0;
            if (canResume)
            {
                try
                {
                    response = await OpenAsync(transport, streamUri, position.LastId, cancellationToken).ConfigureAwait(false);
                }
                catch (ReplicateApiException ex) when (position.LastId is not null && ex.StatusCode is >= HttpStatusCode.BadRequest and < HttpStatusCode.InternalServerError
                    && ex.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests))
                {
                    // The server cannot resume this stream (gone, expired): finish from the prediction itself.
                    Log.StreamFallingBackToPolling(transport.Logger, prediction.Id, $"{(int)ex.StatusCode} on reconnect");
                    canResume = false;
                }
                catch (HttpRequestException ex) when (position.Outputs > 0 || position.LastId is not null)
                {
                    lastDrop = ex;
                    await BackOffAsync(transport, prediction, position.Outputs, ++drops, ++reconnects, ex, cancellationToken).ConfigureAwait(false);
                    position.Resumed = true;
                    continue;
                }
            }

            if (!canResume || response is null)
            {
                if (position.LastId is null)
                {
                    Log.StreamFallingBackToPolling(transport.Logger, prediction.Id, "the events carried no ids to resume from");
                }

                await foreach (var remaining in PollRemainderAsync(predictions, transport, prediction.Id, position, cancellationToken).ConfigureAwait(false))
                {
                    yield return remaining;
                }

                yield break;
            }

            using (response)
            {
                var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var parser = SseParser.Create(new BoundedLineStream(body, MaxEventBytes), static (_, data) => Encoding.UTF8.GetString(data));
                var events = parser.EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
                await using (events.ConfigureAwait(false))
                {
                    while (true)
                    {
                        bool moved;
                        try
                        {
                            moved = await events.MoveNextAsync().ConfigureAwait(false);
                        }
                        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is IOException or HttpRequestException or OperationCanceledException)
                        {
                            // A network drop, or a caller-owned HttpClient whose Timeout cut the body: resume either way.
                            lastDrop = ex;
                            break;
                        }

                        if (!moved)
                        {
                            // The connection closed before "done": treat it like a drop and resume.
                            lastDrop = null;
                            break;
                        }

                        var item = events.Current;
                        var e = new StreamEvent(new StreamEventType(item.EventType), item.Data, item.EventId, transport);
                        if (!position.TryAdvance(item.EventId, e.Type == StreamEventType.Output))
                        {
                            continue;
                        }

                        // Attempts are bounded per stall, not per stream: a long stream that keeps making progress may
                        // reconnect many times.
                        drops = 0;
                        if (e.Type == StreamEventType.Output)
                        {
                            ReplicateTelemetry.TokensStreamed.Add(1);
                        }

                        if (e.Type == StreamEventType.Error)
                        {
                            throw new PredictionFailedException(
                                Failed(prediction, e.DoneReason() ?? e.Data),
                                $"Prediction {prediction.Id} failed while streaming: {e.DoneReason() ?? e.Data}");
                        }

                        yield return e;
                        if (e.Type == StreamEventType.Done)
                        {
                            yield break;
                        }
                    }
                }
            }

            await BackOffAsync(transport, prediction, position.Outputs, ++drops, ++reconnects, lastDrop, cancellationToken).ConfigureAwait(false);
            position.Resumed = true;
        }
    }

    private static async Task<HttpResponseMessage> OpenAsync(ReplicateTransport transport, Uri streamUri, string? lastEventId, CancellationToken cancellationToken)
    {
        var request = transport.CreateRequest(HttpMethod.Get, streamUri, accept: "text/event-stream");
        request.Headers.CacheControl = new System.Net.Http.Headers.CacheControlHeaderValue { NoStore = true };
        request.StreamResponse = true;
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        HttpResponseMessage? response = null;
        try
        {
            response = await transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
            {
                throw await transport.CreateApiExceptionAsync(
                    request, response, $"expected a text/event-stream but got '{response.Content.Headers.ContentType?.MediaType ?? "no content type"}'", cancellationToken).ConfigureAwait(false);
            }

            return response;
        }
        catch
        {
            response?.Dispose();
            request.Dispose();
            throw;
        }
    }

    private static async Task BackOffAsync(ReplicateTransport transport, Prediction prediction, int outputs, int drops, int reconnects, Exception? cause, CancellationToken cancellationToken)
    {
        var maxReconnects = Math.Max(transport.Options.MaxRetries, 1);
        if (drops > maxReconnects || reconnects > MaxTotalReconnects)
        {
            throw new ReplicateException(
                $"The stream of prediction {prediction.Id} dropped {(drops > maxReconnects ? $"{drops} times in a row" : $"{reconnects} times")} before it finished; giving up. " +
                "The prediction may still be running: check it with Predictions.GetAsync.", cause);
        }

        var delay = TimeSpan.FromTicks(Math.Min(transport.Options.RetryDelay.Ticks * (1L << Math.Min(drops - 1, 20)), transport.Options.MaxRetryDelay.Ticks));
        Log.StreamReconnecting(transport.Logger, prediction.Id, outputs, cause?.GetType().Name ?? "closed before done", delay.TotalMilliseconds, drops);
        await Task.Delay(delay, transport.TimeProvider, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Finishes a stream that cannot resume by polling the prediction and yielding the output not yet seen.</summary>
    private static async IAsyncEnumerable<StreamEvent> PollRemainderAsync(
        PredictionsClient predictions, ReplicateTransport transport, string id, Position position, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var final = new StrongBox<Prediction?>();
        var seen = position.Outputs;
        await foreach (var piece in predictions.PollOutputAsync(id, position.Outputs, final, cancellationToken).ConfigureAwait(false))
        {
            var data = piece.ValueKind == JsonValueKind.String ? piece.GetString()! : piece.GetRawText();
            seen++;
            yield return new StreamEvent(StreamEventType.Output, data, null, transport);
        }

        var prediction = final.Value!;
        if (prediction.Output is { ValueKind: JsonValueKind.String } text && seen == 0 && position.Outputs == 0)
        {
            yield return new StreamEvent(StreamEventType.Output, text.GetString()!, null, transport);
        }

        if (prediction.Status == PredictionStatus.Failed)
        {
            throw new PredictionFailedException(prediction);
        }

        yield return new StreamEvent(
            StreamEventType.Done,
            prediction.Status.IsSucceeded ? "{}" : """{"reason":"canceled"}""",
            null,
            transport);
    }

    private static Prediction Failed(Prediction prediction, string error) => new()
    {
        Id = prediction.Id,
        Model = prediction.Model,
        Version = prediction.Version,
        Status = PredictionStatus.Failed,
        Error = error,
        Input = prediction.Input,
        CreatedAt = prediction.CreatedAt,
        Urls = prediction.Urls,
    };

    /// <summary>Where the stream is: the last event id and how many outputs were delivered.</summary>
    private sealed class Position
    {
        private long _lastSeconds = -1;
        private long _lastSequence = -1;

        public string? LastId { get; private set; }

        public int Outputs { get; private set; }

        /// <summary>Set after a reconnect: only then can the server replay what was already delivered.</summary>
        public bool Resumed { get; set; }

        /// <summary>
        /// Records an event, unless it is a replay (Replicate ids are <c>seconds:sequence</c>; one at or before the last
        /// delivered id was already seen). Each id is parsed once.
        /// </summary>
        public bool TryAdvance(string? id, bool isOutput)
        {
            if (id is not null)
            {
                var parsed = TryParseId(id, out var seconds, out var sequence);
                if (Resumed && parsed && _lastSequence >= 0
                    && (seconds < _lastSeconds || (seconds == _lastSeconds && sequence <= _lastSequence)))
                {
                    return false;
                }

                LastId = id;
                if (parsed)
                {
                    (_lastSeconds, _lastSequence) = (seconds, sequence);
                }
            }

            if (isOutput)
            {
                Outputs++;
            }

            return true;
        }

        private static bool TryParseId(string id, out long seconds, out long sequence)
        {
            sequence = 0;
            var colon = id.IndexOf(':', StringComparison.Ordinal);
            return long.TryParse(colon < 0 ? id : id.AsSpan(0, colon), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out seconds)
                && (colon < 0 || long.TryParse(id.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out sequence));
        }
    }
}
