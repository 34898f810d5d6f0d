using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Replicate;

/// <summary>Creates, reads, waits for, cancels and lists predictions. Reach it through <see cref="ReplicateClient.Predictions"/>.</summary>
public class PredictionsClient
{
    private readonly ReplicateTransport _transport;

    /// <summary>Input schemas fetched for <see cref="PredictionOptions.ValidateInput"/>, by model or version.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, InputSchema> _schemas = new(StringComparer.Ordinal);

    /// <summary>The most create URLs <see cref="_routes"/> keeps; past it, it starts over (an app runs a handful of models).</summary>
    private const int MaxCachedRoutes = 256;

    /// <summary>
    /// Create URLs by model, so every run of a model sends the same <see cref="Uri"/> instance. A <see cref="Uri"/> computes
    /// its parts (host, path) once per instance, and the connection pool and the request writer read them for every
    /// request: a new instance per call cost about 6 µs per <c>RunAsync</c> over a socket (issue 15's run_seq profile).
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<ModelIdentifier, Uri> _routes = new();

    /// <summary>The create URL of a version-pinned prediction, one instance for the same reason.</summary>
    private Uri? _versionRoute;

    /// <summary>Initializes a new instance for mocking.</summary>
    protected PredictionsClient()
    {
        _transport = null!;
    }

    internal PredictionsClient(ReplicateTransport transport)
    {
        _transport = transport;
    }

    /// <summary>
    /// Creates a prediction. <c>owner/name</c> goes to <c>POST /models/{owner}/{name}/predictions</c> (official models);
    /// a version (<c>owner/name:version</c> or a bare version id) goes to <c>POST /predictions</c>; a deployment
    /// (<c>deployment:owner/name</c>) goes to <c>POST /deployments/{owner}/{name}/predictions</c>.
    /// </summary>
    /// <param name="model">The model or version to run.</param>
    /// <param name="input">The model's input: an anonymous object, dictionary, record or <see cref="System.Text.Json.Nodes.JsonObject"/>.</param>
    /// <param name="options">Sync wait, deadline and webhook options.</param>
    /// <param name="cancellationToken">Cancels the request. A prediction the server already created keeps running.</param>
    /// <returns>The new prediction; with <see cref="PredictionOptions.Wait"/>, possibly already finished.</returns>
    /// <exception cref="ArgumentException">The input or an option is invalid; nothing was sent.</exception>
    /// <exception cref="ReplicateApiException">The API rejected the request.</exception>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    public virtual Task<Prediction> CreateAsync(ModelIdentifier model, object input, PredictionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return CreateAsync(model, ct => PrepareUntypedAsync(model, input, options, ct), options, cancellationToken);
    }

    /// <summary>
    /// Creates a prediction with an input your own source-generated <c>JsonSerializerContext</c> writes: trimming- and
    /// Native-AOT-safe, unlike the <c>object</c> overload. File values are not uploaded here: pass URLs, or use a typed model.
    /// </summary>
    /// <typeparam name="TInput">The input's type.</typeparam>
    /// <param name="model">The model or version to run.</param>
    /// <param name="input">The input, written as a JSON object.</param>
    /// <param name="inputType">Its metadata, e.g. <c>MyJsonContext.Default.MyInput</c>.</param>
    /// <param name="options">Sync wait, deadline and webhook options.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The new prediction.</returns>
    /// <exception cref="ArgumentException">The input is not a JSON object, or an option is invalid; nothing was sent.</exception>
    public virtual Task<Prediction> CreateAsync<TInput>(ModelIdentifier model, TInput input, JsonTypeInfo<TInput> inputType, PredictionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputType);
        return CreateAsync(model, ct => PrepareAsync(model, input, inputType, options, ct), options, cancellationToken);
    }

    private async Task<Prediction> CreateAsync(ModelIdentifier model, Func<CancellationToken, ValueTask<PreparedInput>> prepare, PredictionOptions? options, CancellationToken cancellationToken)
    {
        var (uri, version) = Route(model);
        options?.Validate();
        var input = await prepare(cancellationToken).ConfigureAwait(false);
        return await CreateAsync(uri, version, input, options, stream: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Creates a prediction of a typed model (see <see cref="ReplicateModel{TInput, TOutput}"/>) at its pinned version.
    /// The input is checked against the model's schema first: a bad one throws before anything is sent.
    /// </summary>
    /// <typeparam name="TInput">The generated input record.</typeparam>
    /// <typeparam name="TOutput">The model's output type.</typeparam>
    /// <param name="model">The model, e.g. <c>FluxSchnell.Model</c>.</param>
    /// <param name="input">The input.</param>
    /// <param name="options">Sync wait, deadline and webhook options.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The new prediction; read its output with <see cref="GetOutput{TInput, TOutput}"/> once it succeeded.</returns>
    /// <exception cref="InputValidationException">The input breaks the schema; nothing was sent.</exception>
    public virtual async Task<Prediction> CreateAsync<TInput, TOutput>(ReplicateModel<TInput, TOutput> model, TInput input, PredictionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        options?.Validate();
        var prepared = await PrepareAsync(model, input, options?.FileEncodingStrategy, cancellationToken).ConfigureAwait(false);
        var (uri, version) = Route(model.Identifier);
        return await CreateAsync(uri, version, prepared, options, stream: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a succeeded prediction's output as the typed model's output.</summary>
    /// <typeparam name="TInput">The generated input record.</typeparam>
    /// <typeparam name="TOutput">The model's output type.</typeparam>
    /// <param name="model">The model the prediction ran.</param>
    /// <param name="prediction">The prediction, succeeded.</param>
    /// <returns>The typed output.</returns>
    /// <exception cref="PredictionFailedException">The prediction failed, was canceled or was aborted.</exception>
    /// <exception cref="InvalidOperationException">The prediction is still running: wait for it first.</exception>
    public virtual TOutput GetOutput<TInput, TOutput>(ReplicateModel<TInput, TOutput> model, Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Read(GetOutput(prediction));
    }

    /// <summary>
    /// Reads a succeeded prediction's output with the same views <c>RunAsync</c> returns (text, files that stream,
    /// JSON): for a prediction you created with <see cref="CreateAsync(ModelIdentifier, object, PredictionOptions?, CancellationToken)"/>,
    /// got from a list or a webhook, and waited for.
    /// </summary>
    /// <param name="prediction">The prediction, succeeded.</param>
    /// <returns>The output.</returns>
    /// <exception cref="PredictionFailedException">The prediction failed, was canceled or was aborted.</exception>
    /// <exception cref="InvalidOperationException">The prediction is still running: wait for it first.</exception>
    public virtual PredictionOutput GetOutput(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        if (!prediction.Status.IsTerminal)
        {
            throw new InvalidOperationException($"Prediction {prediction.Id} is {prediction.Status}; wait for it (Predictions.WaitAsync) before reading its output.");
        }

        return prediction.Status.IsSucceeded
            ? new PredictionOutput(prediction, _transport)
            : throw new PredictionFailedException(prediction);
    }

    /// <summary>Writes a typed input, checks it against the model's schema, then uploads or inlines its files.</summary>
    internal async ValueTask<PreparedInput> PrepareAsync<TInput, TOutput>(
        ReplicateModel<TInput, TOutput> model, TInput input, FileEncodingStrategy? strategy, CancellationToken cancellationToken) =>
        await Stage(model, input).ResolveAsync(_transport, strategy, cancellationToken).ConfigureAwait(false);

    /// <summary>Writes a typed input with placeholders for its files and checks it against the model's schema; nothing is uploaded yet.</summary>
    internal static StagedInput Stage<TInput, TOutput>(ReplicateModel<TInput, TOutput> model, TInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var files = new FileInputs();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            model.Write(writer, input, files.Add);
        }

        // Checked before any upload: a bad input costs nothing, not even a file upload.
        model.Schema.Validate(buffer.WrittenSpan);
        return new StagedInput(buffer.WrittenMemory, files);
    }

    /// <summary>
    /// Writes an untyped input, checks it against the schema of the version <paramref name="model"/> names (fetched once
    /// and cached), then uploads or inlines its files: <see cref="PredictionOptions.ValidateInput"/>. An input without
    /// files and without the check is ready at once, with no async state machine to compile or run.
    /// </summary>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    internal ValueTask<PreparedInput> PrepareUntypedAsync(ModelIdentifier model, object input, PredictionOptions? options, CancellationToken cancellationToken) =>
        options?.ValidateInput == true
            ? PrepareCheckedAsync(model, input, options, cancellationToken)
            : StageUntyped(input).ResolveAsync(_transport, options?.FileEncodingStrategy, cancellationToken);

    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    private async ValueTask<PreparedInput> PrepareCheckedAsync(ModelIdentifier model, object input, PredictionOptions options, CancellationToken cancellationToken)
    {
        var staged = await StageUntypedAsync(model, input, options, cancellationToken).ConfigureAwait(false);
        return await staged.ResolveAsync(_transport, options.FileEncodingStrategy, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes an untyped input with placeholders for its files, checked against the schema when asked; nothing is uploaded yet.</summary>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    internal async ValueTask<StagedInput> StageUntypedAsync(ModelIdentifier model, object input, PredictionOptions? options, CancellationToken cancellationToken)
    {
        var staged = StageUntyped(input);
        if (options?.ValidateInput == true)
        {
            var schema = await SchemaOfAsync(model, cancellationToken).ConfigureAwait(false);
            schema.Validate(staged.Json.Span);
        }

        return staged;
    }

    /// <summary>Writes an untyped input with placeholders for its files.</summary>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    private static StagedInput StageUntyped(object input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var files = new FileInputs();
        var json = InputSerializer.Serialize(input, "model input", nameof(input), files);
        return new StagedInput(json, files);
    }

    /// <summary>Writes an input with caller-supplied metadata (no reflection), checked against the schema when asked.</summary>
    internal async ValueTask<PreparedInput> PrepareAsync<TInput>(ModelIdentifier model, TInput input, JsonTypeInfo<TInput> inputType, PredictionOptions? options, CancellationToken cancellationToken) =>
        new((await StageAsync(model, input, inputType, options, cancellationToken).ConfigureAwait(false)).Json);

    /// <summary>Writes an input with caller-supplied metadata (no reflection, no files), checked against the schema when asked.</summary>
    internal async ValueTask<StagedInput> StageAsync<TInput>(ModelIdentifier model, TInput input, JsonTypeInfo<TInput> inputType, PredictionOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(writer, input, inputType);
        }

        if (buffer.WrittenSpan.IsEmpty || buffer.WrittenSpan[0] != (byte)'{')
        {
            throw new ArgumentException($"The model input must be a JSON object; {typeof(TInput).Name} is written as something else.", nameof(input));
        }

        if (options?.ValidateInput == true)
        {
            (await SchemaOfAsync(model, cancellationToken).ConfigureAwait(false)).Validate(buffer.WrittenSpan);
        }

        return new StagedInput(buffer.WrittenMemory, new FileInputs());
    }

    private async Task<InputSchema> SchemaOfAsync(ModelIdentifier model, CancellationToken cancellationToken)
    {
        if (!model.HasModel || model.IsDeployment)
        {
            throw new ArgumentException(
                $"PredictionOptions.ValidateInput needs 'owner/name' or 'owner/name:version' to find the schema; '{model}' names none.", nameof(model));
        }

        var key = model.ToString();
        if (_schemas.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var path = ModelsClient.Path(ModelIdentifier.Create(model.Owner!, model.Name!));
        ModelVersion? version = model.Version is { } id
            ? await _transport.GetAsync(_transport.Resolve(path + "/versions/" + id), ReplicateJsonContext.Default.ModelVersion, cancellationToken).ConfigureAwait(false)
            : (await _transport.GetAsync(_transport.Resolve(path), ReplicateJsonContext.Default.Model, cancellationToken).ConfigureAwait(false)).LatestVersion;
        if (version?.OpenApiSchema is not { ValueKind: JsonValueKind.Object } document
            || !document.TryGetProperty("components", out var components)
            || !components.TryGetProperty("schemas", out var schemas)
            || schemas.ValueKind != JsonValueKind.Object)
        {
            throw new ReplicateException($"Model {model} publishes no input schema (openapi_schema.components.schemas), so its input cannot be checked; turn PredictionOptions.ValidateInput off.");
        }

        var schema = InputSchema.Parse(schemas.GetRawText(), model.Version is not null ? key : $"{key}:{version.Id}");
        _schemas[key] = schema;
        return schema;
    }

    /// <summary>Gets the latest state of a prediction (<c>GET /predictions/{id}</c>).</summary>
    /// <param name="id">The prediction id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The prediction.</returns>
    /// <exception cref="ReplicateApiException">404 when there is no such prediction.</exception>
    public virtual Task<Prediction> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.SendForPredictionAsync(_transport.CreateRequest(HttpMethod.Get, _transport.Resolve("predictions/" + OptionChecks.PathId(id, nameof(id)))), cancellationToken).AsTask();

    /// <summary>Cancels a prediction (<c>POST /predictions/{id}/cancel</c>). Canceling a finished prediction changes nothing.</summary>
    /// <param name="id">The prediction id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The prediction after the cancel request.</returns>
    public virtual Task<Prediction> CancelAsync(string id, CancellationToken cancellationToken = default)
    {
        var request = _transport.CreateRequest(HttpMethod.Post, _transport.Resolve("predictions/" + OptionChecks.PathId(id, nameof(id)) + "/cancel"));
        return _transport.SendForPredictionAsync(request, cancellationToken).AsTask();
    }

    /// <summary>
    /// Polls a prediction until it is terminal (succeeded, failed, canceled, aborted, or a status this version does not
    /// know): every <see cref="ReplicateClientOptions.PollingInterval"/> at first and after each status change, doubling
    /// up to 5 s while nothing changes; a throttled poll waits the server's <c>Retry-After</c>. Canceling the token stops
    /// waiting; it does not cancel the prediction (use <see cref="CancelAsync"/>).
    /// </summary>
    /// <param name="prediction">The prediction to wait for.</param>
    /// <param name="progress">Called with every polled state, for status, logs and <see cref="Prediction.Progress"/>.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The prediction in its terminal state. A failed prediction is returned, not thrown.</returns>
    public virtual async Task<Prediction> WaitAsync(Prediction prediction, IProgress<Prediction>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        using var activity = ReplicateTelemetry.StartActivity("replicate.predictions.wait");
        try
        {
            var schedule = new PollSchedule(_transport);
            var id = prediction.Id;
            while (!prediction.Status.IsTerminal)
            {
                var next = await schedule.PollAsync(ct => GetAsync(id, ct), cancellationToken).ConfigureAwait(false);
                if (next.Status != prediction.Status)
                {
                    schedule.Changed();
                    Log.PredictionStatus(_transport.Logger, next.Id, next.Model, next.Status.Value);
                }

                prediction = next;
                progress?.Report(prediction);
            }

            ReplicateTelemetry.Record(activity, prediction);
            RecordDuration(prediction);
            return prediction;
        }
        catch (Exception ex)
        {
            ReplicateTelemetry.Fail(activity, ex);
            throw;
        }
    }

    /// <summary>
    /// Streams an existing prediction's server-sent events (<c>urls.stream</c>), for example to join a prediction another
    /// process created. Reconnects and resumes after a dropped connection. Canceling stops reading; it does not cancel
    /// the prediction.
    /// </summary>
    /// <param name="prediction">The prediction; it must have <see cref="PredictionUrls.Stream"/>.</param>
    /// <param name="cancellationToken">Stops reading and closes the connection.</param>
    /// <returns>The events, ending with <c>done</c>.</returns>
    /// <exception cref="ReplicateException">The model does not support streaming, or the stream dropped too often.</exception>
    /// <exception cref="PredictionFailedException">The stream reported an <c>error</c> event.</exception>
    public virtual IAsyncEnumerable<StreamEvent> StreamAsync(Prediction prediction, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        return PredictionStream.ReadAsync(this, _transport, prediction, cancellationToken);
    }

    /// <summary>
    /// Yields a prediction's output pieces as they appear, by polling: for models whose output is an iterator (an array
    /// that grows while the model runs), when server-sent events are not available. A non-array output is yielded once,
    /// when the prediction finishes.
    /// </summary>
    /// <param name="prediction">The prediction.</param>
    /// <param name="cancellationToken">Stops polling; it does not cancel the prediction.</param>
    /// <returns>The output pieces, in order, each once.</returns>
    /// <exception cref="PredictionFailedException">The prediction failed, was canceled or was aborted.</exception>
    public virtual async IAsyncEnumerable<JsonElement> EnumerateOutputAsync(Prediction prediction, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        var final = new StrongBox<Prediction?>();
        var yielded = 0;
        await foreach (var piece in PollOutputAsync(prediction.Id, 0, final, cancellationToken, prediction).ConfigureAwait(false))
        {
            yielded++;
            yield return piece;
        }

        var last = final.Value!;
        if (!last.Status.IsSucceeded)
        {
            throw new PredictionFailedException(last);
        }

        if (yielded == 0 && last.Output is { } output && output.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
        {
            yield return output;
        }
    }

    /// <summary>Gets one page of predictions, newest first (<c>GET /predictions</c>).</summary>
    /// <param name="cursor">A page's <see cref="Page{T}.Next"/> or <see cref="Page{T}.Previous"/>, or <see langword="null"/> for the first page.</param>
    /// <param name="createdAfter">Only predictions created at or after this time (ignored when <paramref name="cursor"/> is given: the cursor carries the filter).</param>
    /// <param name="createdBefore">Only predictions created before this time (ignored when <paramref name="cursor"/> is given).</param>
    /// <param name="source">
    /// Only predictions created this way, e.g. <see cref="PredictionSource.Web"/> (on the website; the server then lists
    /// only the last 14 days); <see langword="null"/> lists every prediction. Ignored when <paramref name="cursor"/> is given.
    /// </param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page.</returns>
    /// <exception cref="ArgumentException"><paramref name="source"/> is empty; nothing was sent.</exception>
    public virtual Task<Page<Prediction>> ListAsync(string? cursor = null, DateTimeOffset? createdAfter = null, DateTimeOffset? createdBefore = null, PredictionSource? source = null, CancellationToken cancellationToken = default)
    {
        var uri = cursor is null ? _transport.Resolve("predictions" + Filters(createdAfter, createdBefore, source)) : _transport.PageUri(cursor, "predictions");
        return _transport.GetAsync(uri, ReplicateJsonContext.Default.PagePrediction, cancellationToken).AsTask();
    }

    /// <summary>Enumerates every prediction, newest first, fetching pages lazily as you iterate.</summary>
    /// <param name="createdAfter">Only predictions created at or after this time.</param>
    /// <param name="createdBefore">Only predictions created before this time.</param>
    /// <param name="source">Only predictions created this way, e.g. <see cref="PredictionSource.Web"/>; <see langword="null"/> for every prediction.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The predictions.</returns>
    public virtual IAsyncEnumerable<Prediction> EnumerateAsync(DateTimeOffset? createdAfter = null, DateTimeOffset? createdBefore = null, PredictionSource? source = null, CancellationToken cancellationToken = default) =>
        Pager.EnumerateAsync(
            (cursor, ct) => cursor is null ? ListAsync(null, createdAfter, createdBefore, source, ct) : ListAsync(cursor, cancellationToken: ct),
            "predictions",
            cancellationToken);

    /// <param name="uri">Where to POST (see <see cref="Route"/>).</param>
    /// <param name="version">The version for the body, if the route needs one.</param>
    /// <param name="input">The model's input.</param>
    /// <param name="options">The create's options.</param>
    /// <param name="stream">Whether to ask for a stream.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <param name="cancelIfAbandoned">
    /// When the caller cancels after the create was sent, do not abort it (that would lose the id of a prediction the
    /// server may already have made): let it finish in the background and cancel the prediction it made. A sync-wait
    /// create may be held for up to a minute, so the prediction is also looked for at once among the ones just created
    /// (<see cref="FindAndCancelAsync"/>). The caller's <see cref="OperationCanceledException"/> is thrown at once either way.
    /// </param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<Prediction> CreateAsync(Uri uri, string? version, PreparedInput input, PredictionOptions? options, bool stream, CancellationToken cancellationToken, bool cancelIfAbandoned = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        options?.Validate();

        // The input arrives written, checked and with its files uploaded or inlined: the body carries their URLs.
        var inputJson = input.Json;
        var content = ReplicateTransport.JsonContent((version, inputJson, options, stream), static (writer, state) =>
        {
            var (version, inputJson, options, stream) = state;
            writer.WriteStartObject();
            if (version is not null)
            {
                writer.WriteString("version", version);
            }

            writer.WritePropertyName("input");
            writer.WriteRawValue(inputJson.Span, skipInputValidation: true);
            WebhookRequestFields.Write(writer, options?.Webhook, options?.WebhookEventsFilter);
            if (stream)
            {
                writer.WriteBoolean("stream", true);
            }

            writer.WriteEndObject();
        });

        var request = _transport.CreateRequest(HttpMethod.Post, uri);
        request.Content = content;
        request.IsCreate = true;
        if (options?.Wait is { } wait && wait > TimeSpan.Zero)
        {
            var seconds = (int)Math.Ceiling(wait.TotalSeconds);
            request.Headers.TryAddWithoutValidation("Prefer", "wait=" + seconds.ToString(CultureInfo.InvariantCulture));

            // The server holds the connection up to N s: the attempt timeout must outlast it.
            var attemptTimeout = TimeSpan.FromSeconds(seconds + 10);
            request.AttemptTimeout = attemptTimeout > _transport.Options.RequestTimeout ? attemptTimeout : _transport.Options.RequestTimeout;
        }

        if (options?.CancelAfter is { } cancelAfter)
        {
            request.Headers.TryAddWithoutValidation("Cancel-After", Math.Ceiling(cancelAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s");
        }

        using var activity = ReplicateTelemetry.StartActivity("replicate.predictions.create");
        activity?.SetTag("url.path", uri.AbsolutePath);
        try
        {
            Prediction prediction;
            if (cancelIfAbandoned && cancellationToken.CanBeCanceled)
            {
                // Bounded without the caller's token: by the attempt timeout and the retry policy.
                var sentAt = _transport.TimeProvider.GetUtcNow();
                var send = _transport.SendForPredictionAsync(request, CancellationToken.None).AsTask();
                try
                {
                    prediction = await send.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    _ = CancelWhenCreatedAsync(send);
                    if (options?.Wait is { } held && held > TimeSpan.Zero)
                    {
                        _ = FindAndCancelAsync(uri, version, inputJson, sentAt, send);
                    }

                    throw;
                }
            }
            else
            {
                prediction = await _transport.SendForPredictionAsync(request, cancellationToken).ConfigureAwait(false);
            }

            ReplicateTelemetry.Record(activity, prediction);
            Log.PredictionStatus(_transport.Logger, prediction.Id, prediction.Model, prediction.Status.Value);
            return prediction;
        }
        catch (Exception ex)
        {
            ReplicateTelemetry.Fail(activity, ex);
            throw;
        }
    }

    /// <summary>Records how long a finished prediction took, from the server's own numbers when it gave them.</summary>
    internal static void RecordDuration(Prediction prediction)
    {
        if (!prediction.Status.IsTerminal || !ReplicateTelemetry.PredictionDuration.Enabled)
        {
            return;
        }

        var seconds = prediction.Metrics?.TotalTime?.TotalSeconds
            ?? (prediction.CompletedAt - prediction.CreatedAt)?.TotalSeconds;
        if (seconds is { } value)
        {
            ReplicateTelemetry.PredictionDuration.Record(
                value,
                new KeyValuePair<string, object?>("replicate.model", prediction.Model),
                new KeyValuePair<string, object?>("replicate.prediction.status", prediction.Status.Value));
        }
    }

    /// <summary>Polls until terminal, yielding array output items from index <paramref name="skip"/> as they appear.</summary>
    internal async IAsyncEnumerable<JsonElement> PollOutputAsync(string id, int skip, StrongBox<Prediction?> final, [EnumeratorCancellation] CancellationToken cancellationToken, Prediction? current = null)
    {
        var delivered = skip;
        var schedule = new PollSchedule(_transport);
        var prediction = current ?? await GetAsync(id, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            if (prediction.Output is { ValueKind: JsonValueKind.Array } items)
            {
                var count = items.GetArrayLength();
                if (count > delivered)
                {
                    schedule.Changed();
                }

                for (; delivered < count; delivered++)
                {
                    yield return items[delivered];
                }
            }

            if (prediction.Status.IsTerminal)
            {
                final.Value = prediction;
                yield break;
            }

            prediction = await schedule.PollAsync(ct => GetAsync(id, ct), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Cancels the prediction an abandoned create makes, once its answer says which one; never throws.</summary>
    private async Task CancelWhenCreatedAsync(Task<Prediction> create)
    {
        Prediction created;
        try
        {
            created = await create.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ReplicateException or HttpRequestException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            // Nothing was created, or nothing can be learned about it.
            return;
        }

        if (!created.Status.IsTerminal)
        {
            await TryCancelAbandonedAsync(created.Id).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Finds the prediction a held (sync-wait) create made, while that create has not answered, among the predictions
    /// created since it was sent: the same model or version and the same input, still running. Exactly one match is
    /// canceled; several identical ones are left alone rather than risk canceling another caller's. Never throws.
    /// </summary>
    private async Task FindAndCancelAsync(Uri uri, string? version, ReadOnlyMemory<byte> inputJson, DateTimeOffset sentAt, Task<Prediction> create)
    {
        try
        {
            // Only a route that names the model or version can be matched safely: a deployment's predictions would match
            // any model's with the same input. Those are canceled by id when the held create answers.
            var model = ModelOfRoute(uri);
            if (model is null && version is null)
            {
                return;
            }

            using var sent = JsonDocument.Parse(inputJson);

            // Server and client clocks differ: look a little further back, and match on the input.
            var since = sentAt - TimeSpan.FromSeconds(30);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20), _transport.TimeProvider);
            for (var attempt = 0; attempt < 5 && !create.IsCompleted; attempt++)
            {
                var page = await ListAsync(null, since, cancellationToken: timeout.Token).ConfigureAwait(false);
                var matches = page.Results.Where(p => !p.Status.IsTerminal && IsSameRun(p, model, version, sent.RootElement)).Take(2).ToList();
                if (matches.Count == 1)
                {
                    await TryCancelAbandonedAsync(matches[0].Id).ConfigureAwait(false);
                    return;
                }

                if (matches.Count > 1)
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250 << attempt), _transport.TimeProvider, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is ReplicateException or HttpRequestException or OperationCanceledException or TimeoutException or ObjectDisposedException or JsonException)
        {
            // Best effort; CancelWhenCreatedAsync still cancels it once the held create answers.
        }
    }

    /// <summary>
    /// Whether a listed prediction is the one a create of <paramref name="model"/> (from <see cref="ModelOfRoute"/>) or
    /// <paramref name="version"/> with input <paramref name="sent"/> made: the same model or version and the same input.
    /// Used to find a held create's prediction to cancel it, and a batch item's whose create a crash left in doubt.
    /// </summary>
    internal static bool IsSameRun(Prediction prediction, string? model, string? version, JsonElement sent) =>
        (version is null || prediction.Version == version)
        && (model is null || prediction.Model == model)
        && prediction.Input is { } input && JsonElement.DeepEquals(input, sent);

    /// <summary>The <c>owner/name</c> a create URL runs (<c>models/{owner}/{name}/predictions</c>), else <see langword="null"/>.</summary>
    internal static string? ModelOfRoute(Uri uri)
    {
        var segments = uri.AbsolutePath.TrimEnd('/').Split('/');
        return segments.Length >= 4 && segments[^1] == "predictions" && segments[^4] == "models" ? segments[^3] + "/" + segments[^2] : null;
    }

    /// <summary>Cancels a prediction nobody waits for any more, without letting a failure hide why the caller stopped.</summary>
    internal async Task TryCancelAbandonedAsync(string id)
    {
        Log.CancelingAbandoned(_transport.Logger, id);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10), _transport.TimeProvider);
        try
        {
            await CancelAsync(id, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ReplicateException or HttpRequestException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            // Best effort: the caller's cancellation is what surfaces.
        }
    }

    internal (Uri Uri, string? Version) Route(ModelIdentifier model)
    {
        if (!model.IsDeployment && model.Version is { } version)
        {
            return (_versionRoute ??= _transport.Resolve("predictions"), version);
        }

        if (!model.HasModel)
        {
            throw new ArgumentException("A model identifier is required: use 'owner/name', 'owner/name:version' or a 64-character version id.", nameof(model));
        }

        if (!_routes.TryGetValue(model, out var uri))
        {
            // The deployment's current release names the version, so its body carries none.
            uri = _transport.Resolve(model.IsDeployment
                ? $"deployments/{model.Owner}/{model.Name}/predictions"
                : $"models/{model.Owner}/{model.Name}/predictions");
            if (_routes.Count >= MaxCachedRoutes)
            {
                _routes.Clear();
            }

            _routes.TryAdd(model, uri);
        }

        return (uri, null);
    }

    private static string Filters(DateTimeOffset? createdAfter, DateTimeOffset? createdBefore, PredictionSource? source)
    {
        if (createdAfter is null && createdBefore is null && source is null)
        {
            return string.Empty;
        }

        var query = new StringBuilder("?");
        if (createdAfter is { } after)
        {
            query.Append("created_after=").Append(Uri.EscapeDataString(ReplicateTransport.FormatTimestamp(after)));
        }

        if (createdBefore is { } before)
        {
            query.Append(query.Length > 1 ? "&" : string.Empty).Append("created_before=").Append(Uri.EscapeDataString(ReplicateTransport.FormatTimestamp(before)));
        }

        if (source is { } from)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(from.Value, nameof(source));
            query.Append(query.Length > 1 ? "&" : string.Empty).Append("source=").Append(Uri.EscapeDataString(from.Value));
        }

        return query.ToString();
    }
}

/// <summary>A model input written as JSON and checked, with placeholders for its files, which are not uploaded yet.</summary>
internal sealed class StagedInput(ReadOnlyMemory<byte> json, FileInputs files)
{
    public ReadOnlyMemory<byte> Json { get; } = json;

    /// <summary>The same for the same input in another run, though its files are not read (see <see cref="FileInputs.Fingerprint"/>).</summary>
    public string Fingerprint() => files.Fingerprint(Json.Span);

    /// <summary>Uploads or inlines the files (per <paramref name="strategy"/>, else the client's) and puts their URLs in.</summary>
    public ValueTask<PreparedInput> ResolveAsync(ReplicateTransport transport, FileEncodingStrategy? strategy, CancellationToken cancellationToken) =>
        files.Count == 0 ? new(new PreparedInput(Json)) : ResolveFilesAsync(transport, strategy ?? transport.Options.FileEncodingStrategy, cancellationToken);

    private async ValueTask<PreparedInput> ResolveFilesAsync(ReplicateTransport transport, FileEncodingStrategy strategy, CancellationToken cancellationToken) =>
        new(await files.ResolveAsync(transport, Json, strategy, cancellationToken).ConfigureAwait(false));
}

/// <summary>A model input already written as JSON, checked and with its files resolved (a typed model's input).</summary>
internal sealed class PreparedInput(ReadOnlyMemory<byte> json)
{
    public ReadOnlyMemory<byte> Json { get; } = json;
}
