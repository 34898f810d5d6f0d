using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;

namespace Replicate;

/// <summary>
/// Runs one batch: streams the inputs, keeps at most <see cref="BatchOptions.MaxConcurrency"/> items running, journals
/// each step, and hands out results as they finish (or in input order). Every request of the batch passes one
/// <see cref="RequestThrottle"/>, so one 429 pauses them all.
/// </summary>
internal sealed class BatchRunner<TInput, TOutput>
{
    /// <summary>How far before an item's journaled start to look for its prediction: the server's clock may differ from ours.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>How many times one create is sent again after 429s the retry handler gave up on.</summary>
    private const int MaxThrottledCreates = 50;

    private readonly PredictionsClient _predictions;
    private readonly ReplicateTransport _transport;
    private readonly ModelIdentifier _model;
    private readonly Func<TInput, CancellationToken, ValueTask<StagedInput>> _stage;
    private readonly Func<Prediction, TOutput> _read;
    private readonly BatchOptions _options;
    private readonly PredictionOptions _createOptions;
    private readonly bool _cancelOnAbandon;
    private readonly HashSet<string> _claimed = new(StringComparer.Ordinal);
    private readonly BatchRate _rate;
    private Uri _uri = null!;
    private string? _version;
    private BatchJournal? _journal;
    private RequestThrottle _throttle = null!;
    private Task<List<Prediction>>? _recent;
    private CancellationTokenSource? _stop;
    private long _succeeded;
    private long _failed;
    private long _created;
    private int _inFlight;

    public BatchRunner(
        PredictionsClient predictions, ReplicateTransport transport, ModelIdentifier model,
        Func<TInput, CancellationToken, ValueTask<StagedInput>> stage, Func<Prediction, TOutput> read,
        BatchOptions? options, PredictionOptions createOptions)
    {
        _predictions = predictions;
        _transport = transport;
        _model = model;
        _stage = stage;
        _read = read;
        _options = options ?? new BatchOptions();
        _createOptions = createOptions;
        _cancelOnAbandon = _options.Prediction?.CancelOnAbandon ?? true;
        _rate = new BatchRate(transport.TimeProvider);
    }

    public async IAsyncEnumerable<BatchResult<TOutput>> RunAsync(IAsyncEnumerable<TInput> inputs, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        _options.Validate();
        (_uri, _version) = _predictions.Route(_model);
        var ownsThrottle = _options.RateLimits is not null || _transport.Throttle is null;
        _throttle = ownsThrottle ? new RequestThrottle(_options.RateLimits ?? new RateLimitOptions(), _transport.TimeProvider) : _transport.Throttle!;
        var started = _transport.TimeProvider.GetTimestamp();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _stop = stop;
        // Bounded: a worker hands its result over before it takes another item, so a slow reader slows the batch
        // instead of piling results up.
        var results = Channel.CreateBounded<BatchResult<TOutput>>(new BoundedChannelOptions(_options.MaxConcurrency) { SingleReader = true });
        var window = _options.PreserveOrder ? new SemaphoreSlim(Math.Max(_options.MaxConcurrency * 4, 64)) : null;
        Task? producer = null;
        ITimer? ticker = null;
        try
        {
            _journal = _options.JournalPath is { } path ? BatchJournal.Open(path, _model.ToString(), _transport.TimeProvider) : null;
            if (_journal is { Count: > 0 })
            {
                var (finished, known, inDoubt) = _journal.Counts;
                Log.BatchResuming(_transport.Logger, _model.ToString(), _journal.Path, finished, known, inDoubt);
                foreach (var id in _journal.KnownIds)
                {
                    _claimed.Add(id);
                }
            }

            ticker = _options.Progress is null && !_transport.Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information)
                ? null
                : _transport.TimeProvider.CreateTimer(_ => ReportProgress(started, log: true), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            producer = ProduceAsync(inputs, results.Writer, window, started, stop.Token);
            var pending = new SortedDictionary<long, BatchResult<TOutput>>();
            long next = 0;
            await foreach (var result in results.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (window is null)
                {
                    yield return result;
                    continue;
                }

                pending[result.Index] = result;
                while (pending.Remove(next, out var inOrder))
                {
                    next++;
                    window.Release();
                    yield return inOrder;
                }
            }

            // The producer's own failure (a journal of other inputs, the inputs' enumerator throwing) ends the batch.
            await producer.ConfigureAwait(false);
            ReportProgress(started, log: true);
        }
        finally
        {
            // Stop starting items; running ones end (and cancel their predictions when asked) before the batch returns.
            await stop.CancelAsync().ConfigureAwait(false);
            if (producer is not null)
            {
                try
                {
                    await producer.ConfigureAwait(false);
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    // Surfaced above, or the caller stopped.
                }
            }

            ticker?.Dispose();
            _journal?.Dispose();
            window?.Dispose();
            if (ownsThrottle)
            {
                _throttle.Dispose();
            }
        }
    }

    private async Task ProduceAsync(IAsyncEnumerable<TInput> inputs, ChannelWriter<BatchResult<TOutput>> results, SemaphoreSlim? window, long started, CancellationToken cancellationToken)
    {
        // Every request the batch sends from here on, the workers' included, takes the batch's throttle.
        RequestThrottle.Current = _throttle;
        using var slots = new SemaphoreSlim(_options.MaxConcurrency);
        Exception? failure = null;
        try
        {
            long index = 0;
            await foreach (var input in inputs.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                if (window is not null)
                {
                    await window.WaitAsync(cancellationToken).ConfigureAwait(false);
                }

                await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
                if (cancellationToken.IsCancellationRequested)
                {
                    // The slot was freed by an item the cancellation stopped: it starts nothing new.
                    slots.Release();
                    break;
                }

                var i = index++;
                Interlocked.Increment(ref _inFlight);
                _ = RunSlotAsync(i, input, results, slots, started, cancellationToken);
            }
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            // Wait for every running item: each gives its slot back when its result is written.
            for (var i = 0; i < _options.MaxConcurrency; i++)
            {
                await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }

            failure ??= _fatal;
            results.TryComplete(failure);
        }
    }

    private Exception? _fatal;

    private async Task RunSlotAsync(long index, TInput input, ChannelWriter<BatchResult<TOutput>> results, SemaphoreSlim slots, long started, CancellationToken cancellationToken)
    {
        try
        {
            BatchResult<TOutput>? result;
            try
            {
                result = await RunItemAsync(index, input, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is (ReplicateException and not BatchJournalException) or HttpRequestException or TimeoutException)
            {
                // The API or the network failed this item (a lookup, a poll): its result, not the batch's end.
                result = Failure(index, null, ex);
            }

            Interlocked.Increment(ref result.Succeeded ? ref _succeeded : ref _failed);
            await results.WriteAsync(result, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // The batch already ended (a journal that cannot be used): this result has nowhere to go.
        }
        catch (BatchJournalException ex)
        {
            // Another batch's journal: nothing more may run against it.
            Interlocked.CompareExchange(ref _fatal, ex, null);
            results.TryComplete(ex);
            _stop?.Cancel();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The batch was stopped: no result for this item.
        }
        catch (Exception ex)
        {
            // A bug of ours must not hang the batch: it ends it, loudly.
            Interlocked.CompareExchange(ref _fatal, ex, null);
            results.TryComplete(ex);
            _stop?.Cancel();
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            if (_options.Progress is not null)
            {
                ReportProgress(started, log: false);
            }

            slots.Release();
        }
    }

    /// <summary>One item, start to finish; a failure of the item is its result, never an exception.</summary>
    private async Task<BatchResult<TOutput>> RunItemAsync(long index, TInput input, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (input is null)
        {
            var error = new ArgumentNullException(nameof(input), $"Input {index} of the batch is null; nothing was sent for it.");
            _journal?.Failed(index, null, error.Message);
            return Failure(index, null, error);
        }

        StagedInput staged;
        string fingerprint;
        try
        {
            staged = await _stage(input, cancellationToken).ConfigureAwait(false);
            fingerprint = staged.Fingerprint();
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or NotSupportedException or ReplicateException)
        {
            // InputValidationException is an ArgumentException: a bad input costs nothing and stops nothing else.
            if (_journal?.Get(index) is null)
            {
                _journal?.Failed(index, null, ex.Message);
            }

            return Failure(index, null, ex);
        }

        var known = _journal?.Get(index);
        if (known is not null)
        {
            if (known.Fingerprint is not null && known.Fingerprint != fingerprint)
            {
                throw new BatchJournalException(
                    $"The batch journal '{_journal!.Path}' was written for another input set: input {index} differs from the one it recorded. " +
                    "Resume with the same inputs in the same order, or use another journal path.")
                { JournalPath = _journal.Path };
            }

            if (known.Final is { } final)
            {
                return Finished(index, final, fromJournal: true);
            }

            if (known.Error is { } failed)
            {
                return Failure(index, null, new ReplicateException($"Input {index} failed in an earlier run: {failed}"), fromJournal: true);
            }

            if (known.Id is { } id)
            {
                return await AwaitAsync(index, await _predictions.GetAsync(id, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            }

            if (known.Input is { } sent && known.StartedAt is { } at)
            {
                // Started, no id: the create may or may not have reached the server. Look before creating again.
                var found = await FindAsync(sent, at, fromJournal: true, cancellationToken).ConfigureAwait(false);
                if (found is not null)
                {
                    _journal!.Created(index, found.Id);
                    return await AwaitAsync(index, found, cancellationToken).ConfigureAwait(false);
                }

                return await CreateAsync(index, fingerprint, new PreparedInput(sent), cancellationToken).ConfigureAwait(false);
            }
        }

        PreparedInput prepared;
        try
        {
            prepared = await staged.ResolveAsync(_transport, _createOptions.FileEncodingStrategy, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or ReplicateException or HttpRequestException)
        {
            _journal?.Failed(index, fingerprint, ex.Message);
            return Failure(index, null, ex);
        }

        return await CreateAsync(index, fingerprint, prepared, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BatchResult<TOutput>> CreateAsync(long index, string fingerprint, PreparedInput input, CancellationToken cancellationToken)
    {
        var startedAt = _transport.TimeProvider.GetUtcNow();
        _journal?.Started(index, fingerprint, input.Json, startedAt);
        Prediction prediction;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Without a held wait a create answers at once, so it is sent through even when the batch is being
                // canceled: its id is then known and the prediction is canceled by id below, before the batch returns.
                // (A create abandoned on the wire is only canceled in the background, which a process that exits next
                // never sees.) A held create stays cancelable: it could take up to its whole wait.
                var createToken = _createOptions.Wait is null ? CancellationToken.None : cancellationToken;
                prediction = await _predictions.CreateAsync(_uri, _version, input, _createOptions, stream: false, createToken, _cancelOnAbandon).ConfigureAwait(false);
                break;
            }
            catch (ReplicateApiException ex) when (ex.StatusCode == HttpStatusCode.TooManyRequests && attempt < MaxThrottledCreates)
            {
                // Throttled: not processed, so it is sent again once the pause the 429 started is over.
                await _throttle.WaitWhilePausedAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ReplicateApiException ex) when ((int)ex.StatusCode is >= 400 and < 500)
            {
                // Refused: nothing was created.
                _journal?.Failed(index, fingerprint, ex.Message);
                return Failure(index, null, ex);
            }
            catch (Exception ex) when (ex is ReplicateException or HttpRequestException or TimeoutException)
            {
                // A 5xx or a dropped connection: the create may have made a prediction. Never sent again; looked for.
                var found = await FindAsync(input.Json, startedAt, fromJournal: false, cancellationToken).ConfigureAwait(false);
                if (found is null)
                {
                    _journal?.Failed(index, fingerprint, ex.Message);
                    return Failure(index, null, ex);
                }

                prediction = found;
                break;
            }
        }

        Interlocked.Increment(ref _created);
        _rate.Add();
        Claim(prediction.Id);
        _journal?.Created(index, prediction.Id);
        return await AwaitAsync(index, prediction, cancellationToken).ConfigureAwait(false);
    }

    private async Task<BatchResult<TOutput>> AwaitAsync(long index, Prediction prediction, CancellationToken cancellationToken)
    {
        try
        {
            prediction = _options.WebhookCompletions is { } hooks
                ? await hooks.WaitAsync(prediction, _predictions, _transport.TimeProvider, cancellationToken).ConfigureAwait(false)
                : await _predictions.WaitAsync(prediction, null, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && _cancelOnAbandon)
        {
            await _predictions.TryCancelAbandonedAsync(prediction.Id).ConfigureAwait(false);
            throw;
        }
        catch (Exception ex) when (ex is ReplicateException or HttpRequestException or TimeoutException)
        {
            // Polling gave up: the prediction is still known by id, so a later run waits for it again.
            return Failure(index, prediction, ex);
        }

        _journal?.Done(index, prediction);
        return Finished(index, prediction, fromJournal: false);
    }

    private BatchResult<TOutput> Finished(long index, Prediction prediction, bool fromJournal)
    {
        if (!prediction.Status.IsSucceeded)
        {
            return Failure(index, prediction, new PredictionFailedException(prediction), fromJournal);
        }

        try
        {
            return new BatchResult<TOutput>(index, prediction, _read(prediction), null, fromJournal);
        }
        catch (Exception ex) when (ex is JsonException or ReplicateException or InvalidOperationException or FormatException)
        {
            return Failure(index, prediction, ex, fromJournal);
        }
    }

    private static BatchResult<TOutput> Failure(long index, Prediction? prediction, Exception error, bool fromJournal = false) =>
        new(index, prediction, default, error, fromJournal);

    /// <summary>
    /// Finds the prediction an item's create made, when whether it reached the server is unknown: among the predictions
    /// created since shortly before it was sent, the same model or version and input (<see cref="PredictionsClient.IsSameRun"/>),
    /// not claimed by another item. Items from the journal share one listing.
    /// </summary>
    private async Task<Prediction?> FindAsync(ReadOnlyMemory<byte> sent, DateTimeOffset startedAt, bool fromJournal, CancellationToken cancellationToken)
    {
        var model = PredictionsClient.ModelOfRoute(_uri);
        if (model is null && _version is null)
        {
            throw new ReplicateException(
                $"A create of deployment {_model} may or may not have reached the server, and deployment predictions name no model to look for it by; " +
                "it is not sent again, so nothing is paid twice. Check GET /predictions and remove its line from the journal to run it again.");
        }

        List<Prediction> candidates;
        if (fromJournal)
        {
            // One listing for every item the journal left in doubt, from the earliest of them.
            lock (_claimed)
            {
                _recent ??= ListSinceAsync((_journal!.EarliestInDoubt ?? startedAt) - ClockSkew, cancellationToken);
            }

            candidates = await _recent.ConfigureAwait(false);
        }
        else
        {
            candidates = await ListSinceAsync(startedAt - ClockSkew, cancellationToken).ConfigureAwait(false);
        }

        using var document = JsonDocument.Parse(sent);
        lock (_claimed)
        {
            // Oldest first: two identical inputs in doubt take their predictions in the order they were made.
            for (var i = candidates.Count - 1; i >= 0; i--)
            {
                var candidate = candidates[i];
                if (candidate.CreatedAt >= startedAt - ClockSkew
                    && !_claimed.Contains(candidate.Id)
                    && PredictionsClient.IsSameRun(candidate, model, _version, document.RootElement))
                {
                    _claimed.Add(candidate.Id);
                    return candidate;
                }
            }
        }

        return null;
    }

    private async Task<List<Prediction>> ListSinceAsync(DateTimeOffset since, CancellationToken cancellationToken)
    {
        var list = new List<Prediction>();
        await foreach (var prediction in _predictions.EnumerateAsync(since, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            list.Add(prediction);
        }

        return list;
    }

    private void Claim(string id)
    {
        lock (_claimed)
        {
            _claimed.Add(id);
        }
    }

    private void ReportProgress(long started, bool log)
    {
        var succeeded = Interlocked.Read(ref _succeeded);
        var failed = Interlocked.Read(ref _failed);
        var elapsed = _transport.TimeProvider.GetElapsedTime(started);
        var completed = succeeded + failed;
        TimeSpan? eta = _options.TotalCount is { } total && completed > 0 && elapsed > TimeSpan.Zero
            ? TimeSpan.FromSeconds(Math.Max(0, total - completed) * elapsed.TotalSeconds / completed)
            : null;
        var progress = new BatchProgress
        {
            Succeeded = succeeded,
            Failed = failed,
            InFlight = Math.Max(0, Volatile.Read(ref _inFlight)),
            Created = Interlocked.Read(ref _created),
            Total = _options.TotalCount,
            CreatesPerSecond = _rate.PerSecond(),
            Throttled = _throttle.ThrottledResponses,
            Elapsed = elapsed,
            EstimatedRemaining = eta,
        };
        _options.Progress?.Report(progress);
        if (log)
        {
            Log.BatchProgress(_transport.Logger, _model.ToString(), progress);
        }
    }
}
