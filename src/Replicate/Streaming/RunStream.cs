using System.Diagnostics;

namespace Replicate;

/// <summary>
/// What <c>ReplicateClient.StreamAsync</c> returns: creates the prediction on the first move, hands out its events, records
/// the first token and the outcome, and cancels the prediction when the caller abandons it before <c>done</c>.
/// </summary>
/// <remarks>
/// Written by hand rather than as an async iterator so that an event the stream already has buffered passes through
/// with one interface call: as an iterator this layer cost as much CPU per token of a burst stream as the SSE parser's
/// own enumerator (perf, 20,000-token streams after warm-up).
/// </remarks>
internal sealed class RunStream(
    PredictionsClient predictions,
    ReplicateTransport transport,
    ModelIdentifier model,
    Func<CancellationToken, ValueTask<PreparedInput>> prepare,
    PredictionOptions? options,
    CancellationToken cancellationToken) : IAsyncEnumerable<StreamEvent>
{
    private readonly PredictionsClient _predictions = predictions;
    private readonly ReplicateTransport _transport = transport;
    private readonly ModelIdentifier _model = model;
    private readonly Func<CancellationToken, ValueTask<PreparedInput>> _prepare = prepare;
    private readonly PredictionOptions? _options = options;
    private readonly CancellationToken _cancellationToken = cancellationToken;

    public IAsyncEnumerator<StreamEvent> GetAsyncEnumerator(CancellationToken enumeratorCancellation = default) =>
        new Enumerator(this, enumeratorCancellation);

    private sealed class Enumerator : IAsyncEnumerator<StreamEvent>
    {
        private readonly RunStream _stream;
        private readonly CancellationTokenSource? _linked;
        private readonly CancellationToken _cancellationToken;
        private Activity? _activity;
        private long _started;
        private string? _predictionId;
        private string? _predictionModel;
        private PredictionStream.ReadAheadEnumerator? _events;
        private bool _awaitingFirstToken = true;
        private bool _finished;

        public Enumerator(RunStream stream, CancellationToken enumeratorCancellation)
        {
            _stream = stream;

            // Either token stops the stream, as with an iterator's [EnumeratorCancellation] (WithCancellation included).
            var own = stream._cancellationToken;
            if (own.CanBeCanceled && enumeratorCancellation.CanBeCanceled && own != enumeratorCancellation)
            {
                _linked = CancellationTokenSource.CreateLinkedTokenSource(own, enumeratorCancellation);
                _cancellationToken = _linked.Token;
            }
            else
            {
                _cancellationToken = own.CanBeCanceled ? own : enumeratorCancellation;
            }
        }

        public StreamEvent Current => _events is { } events ? events.Current : default;

        public ValueTask<bool> MoveNextAsync()
        {
            if (_events is not { } events)
            {
                return StartAsync();
            }

            var move = events.MoveNextAsync();
            if (!move.IsCompletedSuccessfully)
            {
                return AwaitMoveAsync(move);
            }

            // An event from the parser's buffer (never done, nor an error) needs nothing from this layer after the first token.
            var moved = move.Result;
            return new ValueTask<bool>((moved && events.IsReadAhead && !_awaitingFirstToken) || Observe(moved));
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (_events is { } events)
                {
                    await events.DisposeAsync().ConfigureAwait(false);
                }

                if (_predictionId is { } id && !_finished && (_stream._options?.CancelOnAbandon ?? true))
                {
                    await _stream._predictions.TryCancelAbandonedAsync(id).ConfigureAwait(false);
                }
            }
            finally
            {
                _activity?.Dispose();
                _linked?.Dispose();
            }
        }

        private async ValueTask<bool> StartAsync()
        {
            var (predictions, transport, options) = (_stream._predictions, _stream._transport, _stream._options);
            options?.Validate();
            _activity = ReplicateTelemetry.StartActivity("replicate.stream", _stream._model);
            _started = transport.TimeProvider.GetTimestamp();
            Prediction prediction;
            try
            {
                var (uri, version) = predictions.Route(_stream._model);
                var createOptions = new PredictionOptions
                {
                    CancelAfter = options?.CancelAfter,
                    Webhook = options?.Webhook,
                    WebhookEventsFilter = options?.WebhookEventsFilter,
                    FileEncodingStrategy = options?.FileEncodingStrategy,
                };
                var input = await _stream._prepare(_cancellationToken).ConfigureAwait(false);
                prediction = await predictions.CreateAsync(uri, version, input, createOptions, stream: true, _cancellationToken, options?.CancelOnAbandon ?? true).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                ReplicateTelemetry.Fail(_activity, ex);
                throw;
            }

            _activity?.SetTag("replicate.prediction.id", prediction.Id);
            (_predictionId, _predictionModel) = (prediction.Id, prediction.Model);
            _events = PredictionStream.Open(predictions, transport, prediction, _cancellationToken);
            return await AwaitMoveAsync(_events.MoveNextAsync()).ConfigureAwait(false);
        }

        private async ValueTask<bool> AwaitMoveAsync(ValueTask<bool> move)
        {
            bool moved;
            try
            {
                moved = await move.ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // A failed prediction already ended on the server; one whose stream the network gave up on is left
                // running, as the exception says, so the caller can pick it up again.
                _finished = ex is PredictionFailedException or StreamGaveUpException;
                ReplicateTelemetry.Fail(_activity, ex);
                throw;
            }

            return Observe(moved);
        }

        /// <summary>Records what an event means for the stream as a whole: its first token, its end.</summary>
        private bool Observe(bool moved)
        {
            if (!moved)
            {
                _finished = true;
                return false;
            }

            var e = _events!.Current;
            if (_awaitingFirstToken && e.Type == StreamEventType.Output)
            {
                _awaitingFirstToken = false;
                ReplicateTelemetry.TimeToFirstToken.Record(
                    _stream._transport.TimeProvider.GetElapsedTime(_started).TotalSeconds,
                    new KeyValuePair<string, object?>("replicate.model", _predictionModel));
            }

            if (e.Type == StreamEventType.Done)
            {
                // The prediction is over: a caller who stops reading now abandons nothing.
                _finished = true;
                _activity?.SetTag("replicate.prediction.status", e.IsCanceled ? PredictionStatus.Canceled.Value : PredictionStatus.Succeeded.Value);
            }

            return true;
        }
    }
}
