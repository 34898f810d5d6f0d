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
    /// <summary>
    /// Reconnects allowed over a stream's whole life, on top of <see cref="ReplicateClientOptions.MaxRetries"/> in a row
    /// without progress: enough for a long stream behind a proxy or an <c>HttpClient.Timeout</c> that cuts it regularly,
    /// not enough to spin forever on a server that drops after every event.
    /// </summary>
    internal const int MaxTotalReconnects = 100;

    /// <summary>
    /// The events of <paramref name="prediction"/>'s stream. While events are already buffered, the enumerator hands
    /// them out directly (<see cref="ReadAheadEnumerator"/>); everything else (connecting, errors, drops, resuming,
    /// polling) is the iterator <see cref="ReadCoreAsync"/>.
    /// </summary>
    public static IAsyncEnumerable<StreamEvent> ReadAsync(
        PredictionsClient predictions, ReplicateTransport transport, Prediction prediction, CancellationToken cancellationToken) =>
        new EventStream(predictions, transport, prediction, cancellationToken);

    /// <summary>The enumerator of <see cref="ReadAsync"/> itself, for a caller that wraps it (<see cref="RunStream"/>): its calls are direct.</summary>
    public static ReadAheadEnumerator Open(
        PredictionsClient predictions, ReplicateTransport transport, Prediction prediction, CancellationToken cancellationToken, CancellationToken enumeratorCancellation = default)
    {
        var position = new Position();
        var core = ReadCoreAsync(predictions, transport, prediction, position, cancellationToken).GetAsyncEnumerator(enumeratorCancellation);
        return new ReadAheadEnumerator(core, position, transport, cancellationToken, enumeratorCancellation);
    }

    private static async IAsyncEnumerable<StreamEvent> ReadCoreAsync(
        PredictionsClient predictions, ReplicateTransport transport, Prediction prediction, Position position, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var streamUri = prediction.Urls?.Stream ?? throw NoStreamUrl(prediction);

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
                    Log.StreamFallingBackToPolling(transport.Logger, prediction.Id, ReconnectRefused(ex));
                    canResume = false;
                }
                catch (HttpRequestException ex) when (position.Outputs > 0 || position.LastId is not null)
                {
                    lastDrop = ex;
                    await BackOffAsync(transport, prediction, position.Outputs, ++position.Drops, ++reconnects, ex, cancellationToken).ConfigureAwait(false);
                    position.Resumed = true;
                    continue;
                }
                catch (Exception ex) when (ex is HttpRequestException or TimeoutException)
                {
                    // The first connection failed through its retries: the network's doing, not the prediction's.
                    throw CouldNotOpen(prediction, ex);
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
                var body = IdleTimeoutStream.Wrap(
                    await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), transport.Options.StreamIdleTimeout, transport.TimeProvider);
                await using var disposeBody = body.ConfigureAwait(false);
                var parser = SseParser.Create(new BoundedLineStream(body, transport.Options.MaxStreamEventSize), static (_, data) => Encoding.UTF8.GetString(data));
                var events = parser.EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
                await using (events.ConfigureAwait(false))
                {
                    while (true)
                    {
                        bool moved;
                        try
                        {
                            // The enumerator may have started this move already (it read ahead and found no buffered event).
                            moved = await position.NextMove(events).ConfigureAwait(false);
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
                        if (!position.TryAccept(item, StreamEventType.FromWire(item.EventType), transport, out var e))
                        {
                            continue;
                        }

                        if (e.Type == StreamEventType.Error)
                        {
                            throw FailedWhileStreaming(prediction, e);
                        }

                        if (e.Type == StreamEventType.Done)
                        {
                            yield return e;
                            yield break;
                        }

                        // Parked here, the enumerator may take the next buffered events straight from the parser.
                        position.ReadAhead = events;
                        yield return e;
                        position.ReadAhead = null;
                    }
                }
            }

            await BackOffAsync(transport, prediction, position.Outputs, ++position.Drops, ++reconnects, lastDrop, cancellationToken).ConfigureAwait(false);
            position.Resumed = true;
        }
    }

    // The exceptions and messages of ReadCoreAsync, built outside it: string formatting inside an async iterator's state
    // machine makes the method a new process has to compile before its first event larger.
    private static ReplicateException NoStreamUrl(Prediction prediction) => new(
        $"Model {prediction.Model ?? "(unknown)"} does not support streaming: prediction {prediction.Id} has no stream URL (urls.stream). " +
        "Use RunAsync, or Predictions.EnumerateOutputAsync to poll its output as it grows.");

    private static string ReconnectRefused(ReplicateApiException ex) => $"{(int)ex.StatusCode} on reconnect";

    private static StreamGaveUpException CouldNotOpen(Prediction prediction, Exception ex) => new(
        $"Could not open the stream of prediction {prediction.Id}: {ex.Message} " +
        "The prediction may still be running (it was not canceled): check it with Predictions.GetAsync, or stream it again with Predictions.StreamAsync.", ex);

    private static PredictionFailedException FailedWhileStreaming(Prediction prediction, StreamEvent e)
    {
        var reason = e.DoneReason() ?? e.Data;
        return new PredictionFailedException(Failed(prediction, reason), $"Prediction {prediction.Id} failed while streaming: {reason}");
    }

    private static async Task<HttpResponseMessage> OpenAsync(ReplicateTransport transport, Uri streamUri, string? lastEventId, CancellationToken cancellationToken)
    {
        var request = transport.CreateRequestForApiUrl(HttpMethod.Get, streamUri, accept: "text/event-stream");
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
            throw new StreamGaveUpException(
                $"The stream of prediction {prediction.Id} dropped {(drops > maxReconnects ? $"{drops} times in a row" : $"{reconnects} times")} before it finished; giving up. " +
                "The prediction may still be running (it was not canceled): check it with Predictions.GetAsync, or stream it again with Predictions.StreamAsync.", cause);
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

    /// <summary>Creates the enumerator that reads ahead over <see cref="ReadCoreAsync"/>.</summary>
    private sealed class EventStream(PredictionsClient predictions, ReplicateTransport transport, Prediction prediction, CancellationToken cancellationToken)
        : IAsyncEnumerable<StreamEvent>
    {
        public IAsyncEnumerator<StreamEvent> GetAsyncEnumerator(CancellationToken enumeratorCancellation = default) =>
            Open(predictions, transport, prediction, cancellationToken, enumeratorCancellation);
    }

    /// <summary>
    /// Hands out events the SSE parser already has buffered without resuming the iterator: a compiler-generated async
    /// iterator over the parser's own cost a fifth more per event of a token stream. Anything else (no buffered event, an
    /// error or done event, a drop) goes to the iterator, with the parser move already started passed along.
    /// </summary>
    internal sealed class ReadAheadEnumerator(
        IAsyncEnumerator<StreamEvent> core, Position position, ReplicateTransport transport, CancellationToken cancellationToken, CancellationToken enumeratorCancellation)
        : IAsyncEnumerator<StreamEvent>
    {
        private StreamEvent _current;
        private bool _readAhead;

        public StreamEvent Current => _readAhead ? _current : core.Current;

        /// <summary>Gets whether <see cref="Current"/> came from the parser's buffer: an output or logs event, never the first move, an error or done.</summary>
        public bool IsReadAhead => _readAhead;

        public ValueTask<bool> MoveNextAsync()
        {
            // Reads observe the tokens, buffered events would not: canceling stops here, not a buffer later.
            if (cancellationToken.IsCancellationRequested || enumeratorCancellation.IsCancellationRequested)
            {
                _readAhead = false;
                return ValueTask.FromCanceled<bool>(cancellationToken.IsCancellationRequested ? cancellationToken : enumeratorCancellation);
            }

            if (position.ReadAhead is { } events)
            {
                while (true)
                {
                    var move = events.MoveNextAsync();
                    if (!move.IsCompletedSuccessfully)
                    {
                        // Not buffered (or failed): the iterator awaits this move, once, and handles whatever it brings.
                        position.HandOver(move);
                        break;
                    }

                    if (!move.Result)
                    {
                        // The end of the connection: the iterator's to handle.
                        position.HandOver(new ValueTask<bool>(false));
                        break;
                    }

                    var item = events.Current;
                    var type = StreamEventType.FromWire(item.EventType);
                    if (type == StreamEventType.Error || type == StreamEventType.Done)
                    {
                        // An error or done event: the iterator's to handle.
                        position.HandOver(new ValueTask<bool>(true));
                        break;
                    }

                    if (position.TryAccept(item, type, transport, out _current))
                    {
                        _readAhead = true;
                        return new ValueTask<bool>(true);
                    }
                }
            }

            _readAhead = false;
            return core.MoveNextAsync();
        }

        public ValueTask DisposeAsync()
        {
            position.ReadAhead = null;
            return core.DisposeAsync();
        }
    }

    /// <summary>Where the stream is: the last event id and how many outputs were delivered.</summary>
    internal sealed class Position
    {
        private ValueTask<bool>? _pendingMove;
        private long _lastSeconds = -1;
        private long _lastSequence = -1;

        /// <summary>Whether <see cref="LastId"/> is parsed into the sequence fields: only after a reconnect, the only time it is needed.</summary>
        private bool _lastIdParsed;

        public string? LastId { get; private set; }

        public int Outputs { get; private set; }

        /// <summary>Set after a reconnect: only then can the server replay what was already delivered.</summary>
        public bool Resumed { get; set; }

        /// <summary>
        /// Gets or sets the drops in a row without an event delivered: attempts are bounded per stall, not per stream, so
        /// a long stream that keeps making progress may reconnect many times.
        /// </summary>
        public int Drops { get; set; }

        /// <summary>Gets or sets the parser's events while the iterator is parked on a delivered one, for <see cref="ReadAheadEnumerator"/>.</summary>
        public IAsyncEnumerator<SseItem<string>>? ReadAhead { get; set; }

        /// <summary>Passes a move the enumerator started (and could not finish itself) to the iterator, which awaits it once.</summary>
        public void HandOver(ValueTask<bool> move)
        {
            ReadAhead = null;
#pragma warning disable CA2012 // Kept to be awaited exactly once, by NextMove's caller.
            _pendingMove = move;
#pragma warning restore CA2012
        }

        /// <summary>The parser's next move: the one the enumerator handed over, else a new one.</summary>
        public ValueTask<bool> NextMove(IAsyncEnumerator<SseItem<string>> events)
        {
            if (_pendingMove is { } move)
            {
                _pendingMove = null;
                return move;
            }

            return events.MoveNextAsync();
        }

        /// <summary>Turns a parsed event of <paramref name="type"/> into the caller's, unless it is a replay already delivered.</summary>
        public bool TryAccept(SseItem<string> item, StreamEventType type, ReplicateTransport transport, out StreamEvent e)
        {
            var isOutput = type == StreamEventType.Output;
            if (!TryAdvance(item.EventId, isOutput))
            {
                e = default;
                return false;
            }

            if (Drops != 0)
            {
                Drops = 0;
            }

            if (isOutput && ReplicateTelemetry.TokensStreamed.Enabled)
            {
                ReplicateTelemetry.TokensStreamed.Add(1);
            }

            e = new StreamEvent(type, item.Data, item.EventId, transport);
            return true;
        }

        /// <summary>
        /// Records an event, unless it is a replay (Replicate ids are <c>seconds:sequence</c>; one at or before the last
        /// delivered id was already seen). Ids are parsed only after a reconnect, the only time a server replays: before
        /// that, the last one is just remembered.
        /// </summary>
        public bool TryAdvance(string? id, bool isOutput)
        {
            if (id is not null)
            {
                if (Resumed)
                {
                    if (!_lastIdParsed)
                    {
                        // The first event after a reconnect: the id delivered last is parsed now, once.
                        _lastIdParsed = true;
                        if (LastId is { } last && TryParseId(last, out var lastSeconds, out var lastSequence))
                        {
                            (_lastSeconds, _lastSequence) = (lastSeconds, lastSequence);
                        }
                    }

                    if (TryParseId(id, out var seconds, out var sequence))
                    {
                        if (_lastSequence >= 0 && (seconds < _lastSeconds || (seconds == _lastSeconds && sequence <= _lastSequence)))
                        {
                            return false;
                        }

                        (_lastSeconds, _lastSequence) = (seconds, sequence);
                    }
                }

                LastId = id;
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

/// <summary>
/// The network, not the caller, ended a stream: the prediction is left running (a blip must not kill paid work), so
/// <c>StreamAsync</c> does not cancel it on the way out.
/// </summary>
internal sealed class StreamGaveUpException(string message, Exception? innerException) : ReplicateException(message, innerException);
