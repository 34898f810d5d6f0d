using System.Collections.Concurrent;
using System.Text.Json;

namespace Replicate.Testing.Internal;

/// <summary>
/// The emulator's state (models, deployments, predictions, files, recorded requests) and the prediction
/// lifecycle. The HTTP endpoints are thin readers and writers of this object.
/// </summary>
internal sealed class EmulatorCore : IDisposable
{
    private readonly ConcurrentDictionary<string, RegisteredModel> _models = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, RegisteredModel> _versions = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, DeploymentState> _deployments = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, CollectionState> _collections = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, PredictionState> _predictionsById = new(StringComparer.Ordinal);
    private readonly List<PredictionState> _predictions = [];
    private readonly object _predictionsGate = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly object _requestsGate = new();
    private readonly CancellationTokenSource _shutdown = new();
    private int _predictionsCreated;
    private int _openStreams;
    private int _dropStreamAfterEvents;
    private long _catalogOrdinal;

    public EmulatorCore(ReplicateEmulatorOptions options)
    {
        Options = options;
        Time = options.TimeProvider;
        Files = new FileStore(() => Origin);
        Webhooks = new WebhookDispatcher(this);
        Trainings = new TrainingStore(this);
        ShuttingDown = _shutdown.Token; // captured so requests finishing after dispose can still read it
    }

    public ReplicateEmulatorOptions Options { get; }

    public TimeProvider Time { get; }

    /// <summary><c>http://127.0.0.1:{port}</c>, set once Kestrel has bound its port.</summary>
    public string Origin { get; set; } = "http://127.0.0.1";

    public FileStore Files { get; }

    /// <summary>Files uploaded through the Files API (<c>POST /files</c>).</summary>
    public UploadedFileStore UploadedFiles { get; } = new();

    /// <summary>Signed webhook deliveries, and the account's signing secret.</summary>
    public WebhookDispatcher Webhooks { get; }

    public TrainingStore Trainings { get; }

    public EmulatorFaults Faults { get; } = new();

    /// <summary>Gets the account rate limits' state (see <see cref="ReplicateEmulatorOptions.RateLimits"/>).</summary>
    public AccountLimiter Limits { get; } = new();

    /// <summary>Canceled by dispose, so that held requests (waits, hangs, streams) end at once.</summary>
    public CancellationToken ShuttingDown { get; }

    public int PredictionsCreated => Volatile.Read(ref _predictionsCreated);

    public int OpenStreams => Volatile.Read(ref _openStreams);

    public int DropStreamAfterEvents
    {
        get => Volatile.Read(ref _dropStreamAfterEvents);
        set => Volatile.Write(ref _dropStreamAfterEvents, value);
    }

    public void StreamOpened() => Interlocked.Increment(ref _openStreams);

    public void StreamClosed() => Interlocked.Decrement(ref _openStreams);

    /// <summary>Takes the one-shot drop setting, so only the next stream connection is dropped.</summary>
    public int TakeDropStreamAfterEvents() => Interlocked.Exchange(ref _dropStreamAfterEvents, 0);

    public EmulatorModel AddModel(string model, EmulatorModelHandler handler, EmulatorModelOptions options)
    {
        var (owner, name) = SplitName(model, nameof(model));
        if (options.VersionId is { } versionId && !WireFormat.IsVersionId(versionId))
        {
            throw new ArgumentException("VersionId must be 64 hexadecimal characters.", nameof(options));
        }

        var registered = new RegisteredModel(owner, name, handler, options, Time.GetUtcNow());
        if (_models.TryGetValue(registered.FullName, out var replaced))
        {
            _versions.TryRemove(replaced.VersionId, out _);
        }

        _models[registered.FullName] = registered;
        _versions[registered.VersionId] = registered;
        return registered.Public;
    }

    public void AddDeployment(string deployment, string model)
    {
        var (owner, name) = SplitName(deployment, nameof(deployment));
        SplitName(model, nameof(model));
        if (FindRunnableModel(model) is not { } registered)
        {
            throw new ArgumentException("No model named '" + model + "' is registered.", nameof(model));
        }

        var release = new DeploymentRelease(1, registered.FullName, registered.VersionId, Time.GetUtcNow(), owner, "gpu-t4", 0, 1);
        _deployments[deployment] = new DeploymentState(owner, name, Interlocked.Increment(ref _catalogOrdinal), release);
    }

    /// <summary>Adds a deployment unless one of that name exists (then returns null).</summary>
    public DeploymentState? TryCreateDeployment(string name, DeploymentRelease release)
    {
        var owner = Options.AccountUsername;
        var state = new DeploymentState(owner, name, Interlocked.Increment(ref _catalogOrdinal), release);
        return _deployments.TryAdd(state.FullName, state) ? state : null;
    }

    public DeploymentState? FindDeployment(string fullName) => _deployments.GetValueOrDefault(fullName);

    public bool DeleteDeployment(string fullName) => _deployments.TryRemove(fullName, out _);

    /// <summary>Every deployment, newest first.</summary>
    public DeploymentState[] DeploymentsSnapshot() => [.. _deployments.Values.OrderByDescending(d => d.Ordinal)];

    /// <summary>Whether a deployment runs <paramref name="version"/>: such a version cannot be deleted.</summary>
    public bool IsDeployed(string version) =>
        _deployments.Values.Any(d => string.Equals(d.Current.Version, version, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether a deployment still has a prediction that has not finished: such a deployment cannot be deleted.</summary>
    public bool HasRunningPredictions(string deployment)
    {
        PredictionState[] all;
        lock (_predictionsGate)
        {
            all = [.. _predictions];
        }

        return all.Any(p => string.Equals(p.Deployment, deployment, StringComparison.OrdinalIgnoreCase) && !p.IsTerminalNow);
    }

    public RegisteredModel? FindModel(string fullName) => _models.GetValueOrDefault(fullName);

    /// <summary>A model predictions can run on: registered, with its version.</summary>
    public RegisteredModel? FindRunnableModel(string fullName) => FindModel(fullName) is { HasVersion: true } model ? model : null;

    /// <summary>Every model, oldest first.</summary>
    public RegisteredModel[] ModelsSnapshot() => [.. _models.Values.OrderBy(m => m.CreatedAt).ThenBy(m => m.FullName, StringComparer.Ordinal)];

    /// <summary>Adds a model created through the API (no version yet) unless the name is taken (then returns false).</summary>
    public bool TryCreateModel(RegisteredModel model) => _models.TryAdd(model.FullName, model);

    public bool DeleteModel(RegisteredModel model) => ((ICollection<KeyValuePair<string, RegisteredModel>>)_models).Remove(new(model.FullName, model));

    /// <summary>Deletes a model's version: it can no longer be run, listed or fetched.</summary>
    public void DeleteVersion(RegisteredModel model)
    {
        model.DeleteVersion();
        ((ICollection<KeyValuePair<string, RegisteredModel>>)_versions).Remove(new(model.VersionId, model));
    }

    public RegisteredModel? FindVersion(string versionId) => _versions.GetValueOrDefault(versionId);

    /// <summary>
    /// Gives <paramref name="destination"/> the new version a training of <paramref name="trained"/> produced: it runs
    /// the trained model's handler (and can be trained again), keeps the destination's details, and gets a fresh id.
    /// The destination's previous version stays runnable by its id.
    /// </summary>
    public RegisteredModel PublishTrainedVersion(RegisteredModel trained, string destination)
    {
        var target = FindModel(destination) ?? throw new InvalidOperationException("The training destination " + destination + " no longer exists.");
        var options = new EmulatorModelOptions
        {
            VersionId = WireFormat.ToHexLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            OpenApiSchema = System.Text.Json.Nodes.JsonNode.Parse(trained.OpenApiSchemaJson),
            IsOfficial = false,
            SupportsStreaming = trained.SupportsStreaming,
            Trainer = trained.Trainer,
        };
        var version = new RegisteredModel(target.Owner, target.Name, trained.Handler, options, target.CreatedAt) { Details = target.Details };
        _models[version.FullName] = version;
        _versions[version.VersionId] = version;
        return version;
    }

    /// <summary>The model a deployment's current release runs, while that version exists.</summary>
    public RegisteredModel? FindDeploymentModel(string deployment) =>
        _deployments.TryGetValue(deployment, out var state) ? FindVersion(state.Current.Version) : null;

    public void AddCollection(string slug, string name, string description, IReadOnlyList<string> models, string? fullDescription)
    {
        foreach (var model in models)
        {
            if (!_models.ContainsKey(model))
            {
                throw new ArgumentException("No model named '" + model + "' is registered.", nameof(models));
            }
        }

        _collections[slug] = new CollectionState(slug, name, description, fullDescription, models, Interlocked.Increment(ref _catalogOrdinal));
    }

    public CollectionState? FindCollection(string slug) => _collections.GetValueOrDefault(slug);

    /// <summary>Every collection, in the order they were added.</summary>
    public CollectionState[] CollectionsSnapshot() => [.. _collections.Values.OrderBy(c => c.Ordinal)];

    /// <summary>
    /// Runs a prediction of <paramref name="model"/> to its end and keeps it as one of the model's examples. Examples
    /// are not listed by <c>GET /predictions</c> and do not count as runs, as the author's saved examples do not.
    /// </summary>
    public async Task<PredictionState> AddExampleAsync(RegisteredModel model, JsonElement input, CancellationToken cancellationToken)
    {
        var state = CreatePrediction(model, model.VersionId, input.Clone(), null, null, null, null, listed: false);
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, ShuttingDown))
        {
            var ended = await state.WaitForTerminalAsync(Task.Delay(Timeout.InfiniteTimeSpan, Time, linked.Token)).ConfigureAwait(false);
            if (!ended)
            {
                throw new OperationCanceledException("Stopped waiting for the example prediction " + state.Id + ".", linked.Token);
            }

            // Releases the never-ending delay's timer and registration.
            await linked.CancelAsync().ConfigureAwait(false);
        }

        model.AddExample(state);
        return state;
    }

    public PredictionState? FindPrediction(string id) => _predictionsById.GetValueOrDefault(id);

    public void Record(RecordedRequest request)
    {
        lock (_requestsGate)
        {
            _requests.Add(request);
        }
    }

    public RecordedRequest[] RequestsSnapshot()
    {
        lock (_requestsGate)
        {
            return [.. _requests];
        }
    }

    public void ClearRequests()
    {
        lock (_requestsGate)
        {
            _requests.Clear();
        }
    }

    /// <summary>Creates a prediction, starts its lifecycle in the background and returns it (status <c>starting</c>).</summary>
    public PredictionState CreatePrediction(
        RegisteredModel model,
        string version,
        JsonElement input,
        TimeSpan? cancelAfter,
        string? deployment,
        string? webhook,
        JsonElement? webhookEventsFilter,
        bool listed = true)
    {
        PredictionState state;
        lock (_predictionsGate)
        {
            var now = Time.GetUtcNow();
            state = new PredictionState(
                model, version, input, listed ? _predictions.Count : -1, now, now + cancelAfter, deployment, webhook, webhookEventsFilter, Time, Origin);
            if (listed)
            {
                _predictions.Add(state);
            }

            _predictionsById[state.Id] = state;
        }

        if (listed)
        {
            Interlocked.Increment(ref _predictionsCreated);
            model.CountRun();
        }

        if (cancelAfter is { } lifetime)
        {
            state.SetDeadlineTimer(Time.CreateTimer(
                static s => ((PredictionState)s!).TryCancel(byDeadline: true), state, lifetime, Timeout.InfiniteTimeSpan));
        }

        // Handlers run on the thread pool so a handler that blocks cannot hold up the create request.
        _ = Task.Run(() => RunAsync(state, context => RunHandlerAsync(state, context)));
        Webhooks.Track(state);
        return state;
    }

    /// <summary>The matching predictions for one page of a newest-first list, selected by ordinal keyset.</summary>
    public PageSelection SelectPage(PageCursor? cursor, Func<PredictionState, bool> matches, int pageSize)
    {
        lock (_predictionsGate)
        {
            var page = new List<PredictionState>(Math.Min(pageSize, _predictions.Count));
            if (cursor is { Backward: true } back)
            {
                // The page before (newer than) the keyset: walk up, then present newest first.
                for (var i = (int)back.Ordinal + 1; i < _predictions.Count && page.Count < pageSize; i++)
                {
                    if (matches(_predictions[i]))
                    {
                        page.Add(_predictions[i]);
                    }
                }

                page.Reverse();
            }
            else
            {
                var start = cursor is null ? _predictions.Count - 1 : (int)Math.Min(cursor.Ordinal - 1, _predictions.Count - 1);
                for (var i = start; i >= 0 && page.Count < pageSize; i--)
                {
                    if (matches(_predictions[i]))
                    {
                        page.Add(_predictions[i]);
                    }
                }
            }

            if (page.Count == 0)
            {
                return new PageSelection(page, HasNewer: false, HasOlder: false);
            }

            var hasNewer = false;
            for (var i = (int)page[0].Ordinal + 1; i < _predictions.Count && !hasNewer; i++)
            {
                hasNewer = matches(_predictions[i]);
            }

            var hasOlder = false;
            for (var i = (int)page[^1].Ordinal - 1; i >= 0 && !hasOlder; i--)
            {
                hasOlder = matches(_predictions[i]);
            }

            return new PageSelection(page, hasNewer, hasOlder);
        }
    }

    /// <summary>Stops everything that runs on its own: held requests, deadline timers and running handlers.</summary>
    public void BeginShutdown()
    {
        _shutdown.Cancel();
        Trainings.CancelAll();
        PredictionState[] all;
        lock (_predictionsGate)
        {
            all = [.. _predictions];
        }

        foreach (var state in all)
        {
            state.TryCancel(byDeadline: false);
            state.Dispose();
        }
    }

    private static async Task<byte[]?> RunHandlerAsync(PredictionState state, PredictionContext context)
    {
        var result = await state.Model.Handler(state.Input, context).ConfigureAwait(false);
        return result is null ? null : OutputJson.Serialize(result);
    }

    public void Dispose()
    {
        _shutdown.Dispose();
        UploadedFiles.Dispose();
        Webhooks.Dispose();
    }

    public static (string Owner, string Name) SplitName(string value, string parameterName)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, parameterName);
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash == value.Length - 1 || value.IndexOf('/', slash + 1) >= 0 || value.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("Expected 'owner/name', got '" + value + "'.", parameterName);
        }

        return (value[..slash], value[(slash + 1)..]);
    }

    /// <summary>
    /// Takes a prediction (or training) through its lifecycle: the model's start delay, <c>processing</c>, then
    /// <c>succeeded</c> with what <paramref name="run"/> returns, or <c>failed</c> when it throws.
    /// </summary>
    public async Task RunAsync(PredictionState state, Func<PredictionContext, Task<byte[]?>> run)
    {
        var model = state.Model;
        try
        {
            if (model.StartDelay > TimeSpan.Zero)
            {
                await Task.Delay(model.StartDelay, Time, state.Token).ConfigureAwait(false);
            }

            if (!state.TryStartProcessing())
            {
                return; // canceled or aborted while starting
            }

            state.TrySucceed(await run(new PredictionContext(state, this)).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (state.Token.IsCancellationRequested)
        {
            // The cancel (user, deadline or shutdown) already set the final status.
        }
#pragma warning disable CA1031 // A model may throw anything; every exception is a failed prediction, as in Cog.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            state.TryFail(ex.Message);
        }
    }
}

/// <summary>An opaque list cursor decoded: a creation ordinal and a direction.</summary>
internal sealed record PageCursor(long Ordinal, bool Backward);

internal sealed record PageSelection(List<PredictionState> Items, bool HasNewer, bool HasOlder);
