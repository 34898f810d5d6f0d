using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using System.Runtime.CompilerServices;

namespace Replicate;

/// <summary>
/// The entry point: runs models (<see cref="RunAsync"/>) and reaches every resource (<see cref="Predictions"/>, ...).
/// Thread-safe; create one and reuse it. Configuration comes from <see cref="ReplicateClientOptions"/>, falling back to
/// the <c>REPLICATE_API_TOKEN</c>, <c>REPLICATE_BASE_URL</c> and <c>REPLICATE_POLL_INTERVAL</c> environment variables.
/// </summary>
public partial class ReplicateClient : IDisposable
{
    private readonly HttpClient? _ownedHttpClient;
    private readonly ReplicateTransport _transport;

    /// <summary>What <see cref="RunAsync"/> creates with when the caller passes no options (never handed out, never changed).</summary>
    private readonly PredictionOptions _defaultRunOptions;

    /// <summary>Initializes a client configured from environment variables (<c>REPLICATE_API_TOKEN</c>, ...).</summary>
    public ReplicateClient()
        : this(new ReplicateClientOptions())
    {
    }

    /// <summary>Initializes a client with an API token.</summary>
    /// <param name="apiToken">The API token (<c>r8_...</c>).</param>
    /// <exception cref="ArgumentException"><paramref name="apiToken"/> is empty or whitespace.</exception>
    public ReplicateClient(string apiToken)
        : this(new ReplicateClientOptions { ApiToken = ValidateToken(apiToken, nameof(apiToken)) })
    {
    }

    /// <summary>Initializes a client that owns its connection pool, with retries.</summary>
    /// <param name="options">The settings; copied, so later changes do not affect this client.</param>
    public ReplicateClient(ReplicateClientOptions options)
        : this(CreateOwnedTransport(options), ownsHttpClient: true)
    {
    }

    /// <summary>
    /// Initializes a client over a caller-owned <see cref="HttpClient"/>, which the client never disposes. The SDK's
    /// retries live in its message handler: build the client with <see cref="CreateHttpMessageHandler"/> to keep them.
    /// </summary>
    /// <param name="httpClient">The HTTP client. Its <see cref="HttpClient.BaseAddress"/> is used when options name none.</param>
    /// <param name="options">The settings; copied.</param>
    public ReplicateClient(HttpClient httpClient, ReplicateClientOptions? options = null)
        : this(CreateTransport(httpClient, options), ownsHttpClient: false)
    {
    }

    /// <summary>The one place the resources are created, whoever owns the <see cref="HttpClient"/>.</summary>
    private ReplicateClient(ReplicateTransport transport, bool ownsHttpClient)
    {
        _transport = transport;
        _ownedHttpClient = ownsHttpClient ? transport.Http : null;
        _defaultRunOptions = RunOptions(transport.Options.Wait, null);
        Predictions = new PredictionsClient(_transport);
        Files = new FilesClient(_transport);
        Trainings = new TrainingsClient(_transport);
        Webhooks = new WebhooksClient(_transport);
        Models = new ModelsClient(_transport);
        Deployments = new DeploymentsClient(_transport, Predictions);
        Collections = new CollectionsClient(_transport);
        Hardware = new HardwareClient(_transport);
        Account = new AccountClient(_transport);
    }

    /// <summary>Gets the predictions resource.</summary>
    public virtual PredictionsClient Predictions { get; }

    /// <summary>Gets the Files API: uploads, downloads and the account's files.</summary>
    public virtual FilesClient Files { get; }

    /// <summary>Gets the trainings resource: fine-tune a version into a new version of a model you own.</summary>
    public virtual TrainingsClient Trainings { get; }

    /// <summary>Gets the account's webhook settings (the signing secret).</summary>
    public virtual WebhooksClient Webhooks { get; }

    /// <summary>Gets the models resource: models, their versions, README and examples, and model search.</summary>
    public virtual ModelsClient Models { get; }

    /// <summary>Gets the deployments resource, and predictions on deployments.</summary>
    public virtual DeploymentsClient Deployments { get; }

    /// <summary>Gets the curated collections of models.</summary>
    public virtual CollectionsClient Collections { get; }

    /// <summary>Gets the hardware models and deployments can run on.</summary>
    public virtual HardwareClient Hardware { get; }

    /// <summary>Gets the account the API token belongs to.</summary>
    public virtual AccountClient Account { get; }

    /// <summary>Gets the API address this client talks to.</summary>
    public Uri BaseAddress => _transport.BaseAddress;

    /// <summary>
    /// Creates the message handler the SDK uses when it owns its <see cref="HttpClient"/>: retries with backoff over a
    /// pooled <see cref="SocketsHttpHandler"/> (connections recycled every 5 minutes, so DNS changes are seen).
    /// Use it to build your own <see cref="HttpClient"/> with the SDK's retry behaviour.
    /// </summary>
    /// <param name="options">The retry and timeout settings.</param>
    /// <param name="innerHandler">The handler to send through, or <see langword="null"/> for a new <see cref="SocketsHttpHandler"/>.</param>
    /// <returns>The handler chain.</returns>
    public static DelegatingHandler CreateHttpMessageHandler(ReplicateClientOptions? options = null, HttpMessageHandler? innerHandler = null)
    {
        var handler = CreateRetryHandler(options ?? new ReplicateClientOptions());
        handler.InnerHandler = innerHandler ?? new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = System.Net.DecompressionMethods.All,
        };
        return handler;
    }

    /// <summary>The retry handler alone, for handler chains someone else builds (IHttpClientFactory).</summary>
    internal static DelegatingHandler CreateRetryHandler(ReplicateClientOptions options) => new RetryHandler(Resolve(options, null, out _, out _));

    /// <summary>
    /// Runs a model and returns its output: creates the prediction in sync mode (the server holds the request up to
    /// <see cref="ReplicateClientOptions.Wait"/> and often answers with the result), then polls until it finishes.
    /// Canceling <paramref name="cancellationToken"/> also cancels the prediction on the server, unless
    /// <see cref="PredictionOptions.CancelOnAbandon"/> is off.
    /// </summary>
    /// <remarks>
    /// Canceling during the held create cannot use the prediction's id, which only its answer says: the call returns at
    /// once, and in the background the SDK finds the prediction among those created since the call began (same model or
    /// version and input, still running) and cancels it, and cancels it again by id when the held create answers.
    /// </remarks>
    /// <param name="model"><c>owner/name</c>, <c>owner/name:version</c> or a version id.</param>
    /// <param name="input">The model's input: an anonymous object, dictionary, record or <see cref="System.Text.Json.Nodes.JsonObject"/>.</param>
    /// <param name="options">Wait, deadline and webhook options.</param>
    /// <param name="progress">Called with the prediction after creation and on every poll (status, logs, <see cref="Prediction.Progress"/>).</param>
    /// <param name="cancellationToken">Stops waiting and cancels the prediction.</param>
    /// <returns>The output.</returns>
    /// <exception cref="PredictionFailedException">The prediction failed, was canceled or was aborted.</exception>
    /// <exception cref="ReplicateApiException">The API rejected a request.</exception>
    /// <exception cref="ArgumentException">The input or an option is invalid; nothing was sent.</exception>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    public virtual Task<PredictionOutput> RunAsync(ModelIdentifier model, object input, PredictionOptions? options = null, IProgress<Prediction>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return RunCoreAsync(model, ct => Predictions.PrepareUntypedAsync(model, input, options, ct), options, progress, cancellationToken);
    }

    /// <summary>
    /// Runs a model with an input your own source-generated <c>JsonSerializerContext</c> writes: trimming- and
    /// Native-AOT-safe, unlike the <c>object</c> overload, and otherwise the same. File values are not uploaded here:
    /// pass URLs, or use a typed model.
    /// </summary>
    /// <typeparam name="TInput">The input's type.</typeparam>
    /// <param name="model"><c>owner/name</c>, <c>owner/name:version</c> or a version id.</param>
    /// <param name="input">The input, written as a JSON object.</param>
    /// <param name="inputType">Its metadata, e.g. <c>MyJsonContext.Default.MyInput</c>.</param>
    /// <param name="options">Wait, deadline and webhook options.</param>
    /// <param name="progress">Called with the prediction after creation and on every poll.</param>
    /// <param name="cancellationToken">Stops waiting and cancels the prediction.</param>
    /// <returns>The output.</returns>
    /// <exception cref="PredictionFailedException">The prediction failed, was canceled or was aborted.</exception>
    /// <exception cref="ArgumentException">The input is not a JSON object, or an option is invalid; nothing was sent.</exception>
    public virtual Task<PredictionOutput> RunAsync<TInput>(ModelIdentifier model, TInput input, JsonTypeInfo<TInput> inputType, PredictionOptions? options = null, IProgress<Prediction>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputType);
        return RunCoreAsync(model, ct => Predictions.PrepareAsync(model, input, inputType, options, ct), options, progress, cancellationToken);
    }

    /// <summary>The run itself, whatever wrote the input: create (without sync wait when the caller can cancel), wait, read.</summary>
    private async Task<PredictionOutput> RunCoreAsync(ModelIdentifier model, Func<CancellationToken, ValueTask<PreparedInput>> prepare, PredictionOptions? options, IProgress<Prediction>? progress, CancellationToken cancellationToken)
    {
        using var activity = ReplicateTelemetry.StartActivity("replicate.run", model);
        try
        {
            // Checked here too: RunOptions below would quietly turn a negative Wait into "no wait".
            options?.Validate();

            var cancelOnAbandon = options?.CancelOnAbandon ?? true;
            var createOptions = options is null ? _defaultRunOptions : RunOptions(options.Wait ?? _transport.Options.Wait, options);
            var (uri, version) = Predictions.Route(model);
            var input = await prepare(cancellationToken).ConfigureAwait(false);
            var prediction = await Predictions.CreateAsync(uri, version, input, createOptions, stream: false, cancellationToken, cancelOnAbandon).ConfigureAwait(false);
            activity?.SetTag("replicate.prediction.id", prediction.Id);
            progress?.Report(prediction);
            if (prediction.Status.IsTerminal)
            {
                // Finished within the sync wait (the usual case): no wait loop, no poll schedule, no extra task.
                PredictionsClient.RecordDuration(prediction);
            }
            else
            {
                try
                {
                    prediction = await Predictions.WaitAsync(prediction, progress, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && cancelOnAbandon)
                {
                    await Predictions.TryCancelAbandonedAsync(prediction.Id).ConfigureAwait(false);
                    throw;
                }
            }

            ReplicateTelemetry.Record(activity, prediction);
            return prediction.Status.IsSucceeded
                ? new PredictionOutput(prediction, _transport)
                : throw new PredictionFailedException(prediction);
        }
        catch (Exception ex)
        {
            ReplicateTelemetry.Fail(activity, ex);
            throw;
        }
    }

    /// <summary>
    /// Runs a typed model (see <see cref="ReplicateModel{TInput, TOutput}"/>) at its pinned version and returns its typed
    /// output, exactly like <see cref="RunAsync(ModelIdentifier, object, PredictionOptions?, IProgress{Prediction}?, CancellationToken)"/>
    /// otherwise. The input is checked against the model's schema first, and written by generated code (no reflection).
    /// </summary>
    /// <typeparam name="TInput">The generated input record.</typeparam>
    /// <typeparam name="TOutput">The model's output type.</typeparam>
    /// <param name="model">The model, e.g. <c>FluxSchnell.Model</c>.</param>
    /// <param name="input">The input.</param>
    /// <param name="options">Wait, deadline and webhook options.</param>
    /// <param name="progress">Called with the prediction after creation and on every poll.</param>
    /// <param name="cancellationToken">Stops waiting and cancels the prediction.</param>
    /// <returns>The typed output.</returns>
    /// <exception cref="InputValidationException">The input breaks the schema; nothing was sent.</exception>
    /// <exception cref="PredictionFailedException">The prediction failed, was canceled or was aborted.</exception>
    /// <exception cref="ReplicateApiException">The API rejected a request.</exception>
    public virtual async Task<TOutput> RunAsync<TInput, TOutput>(ReplicateModel<TInput, TOutput> model, TInput input, PredictionOptions? options = null, IProgress<Prediction>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        var output = await RunCoreAsync(
            model.Identifier, ct => Predictions.PrepareAsync(model, input, options?.FileEncodingStrategy, ct), options, progress, cancellationToken).ConfigureAwait(false);
        return model.Read(output);
    }

    /// <summary>
    /// Runs a typed model and streams its output text token by token (for models whose output is a concatenated
    /// iterator: <see cref="ReplicateModel{TInput, TOutput}.StreamsText"/>), like <see cref="StreamTextAsync(ModelIdentifier, object, PredictionOptions?, CancellationToken)"/>.
    /// </summary>
    /// <typeparam name="TInput">The generated input record.</typeparam>
    /// <typeparam name="TOutput">The model's output type.</typeparam>
    /// <param name="model">The model.</param>
    /// <param name="input">The input.</param>
    /// <param name="options">Deadline and webhook options.</param>
    /// <param name="cancellationToken">Stops the stream and cancels the prediction.</param>
    /// <returns>The output text, piece by piece.</returns>
    /// <exception cref="InputValidationException">The input breaks the schema; nothing was sent.</exception>
    public virtual IAsyncEnumerable<string> StreamTextAsync<TInput, TOutput>(ReplicateModel<TInput, TOutput> model, TInput input, PredictionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        return TextOf(StreamCoreAsync(model.Identifier, ct => Predictions.PrepareAsync(model, input, options?.FileEncodingStrategy, ct), options, cancellationToken), cancellationToken);
    }

    /// <summary>The options of the create behind <see cref="RunAsync"/>: the caller's, with the sync wait resolved.</summary>
    private static PredictionOptions RunOptions(TimeSpan wait, PredictionOptions? options) => new()
    {
        Wait = wait > TimeSpan.Zero ? wait : null,
        CancelAfter = options?.CancelAfter,
        Webhook = options?.Webhook,
        WebhookEventsFilter = options?.WebhookEventsFilter,
        FileEncodingStrategy = options?.FileEncodingStrategy,
        ValidateInput = options?.ValidateInput ?? false,
    };

    /// <summary>
    /// Runs a model and streams its server-sent events as they arrive: tokens of a language model, or file URLs of a file
    /// stream. Survives dropped connections (resumes with <c>Last-Event-ID</c>, or falls back to polling). Breaking out of
    /// the loop or canceling closes the connection at once and, unless <see cref="PredictionOptions.CancelOnAbandon"/>
    /// is off, cancels the prediction on the server.
    /// </summary>
    /// <param name="model"><c>owner/name</c>, <c>owner/name:version</c> or a version id.</param>
    /// <param name="input">The model's input.</param>
    /// <param name="options">Deadline and webhook options (<see cref="PredictionOptions.Wait"/> is ignored: streams do not block; it is still checked).</param>
    /// <param name="cancellationToken">Stops the stream and cancels the prediction.</param>
    /// <returns>The events; the last one is <c>done</c> (check <see cref="StreamEvent.IsCanceled"/>).</returns>
    /// <exception cref="PredictionFailedException">The prediction failed (an <c>error</c> event).</exception>
    /// <exception cref="ReplicateException">The model does not support streaming, or the stream could not be resumed.</exception>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    public virtual IAsyncEnumerable<StreamEvent> StreamAsync(ModelIdentifier model, object input, PredictionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return StreamCoreAsync(model, ct => Predictions.PrepareUntypedAsync(model, input, options, ct), options, cancellationToken);
    }

    /// <summary>
    /// Runs a model with an input your own source-generated <c>JsonSerializerContext</c> writes and streams its events:
    /// the trimming- and Native-AOT-safe form of <see cref="StreamAsync(ModelIdentifier, object, PredictionOptions?, CancellationToken)"/>.
    /// </summary>
    /// <typeparam name="TInput">The input's type.</typeparam>
    /// <param name="model"><c>owner/name</c>, <c>owner/name:version</c> or a version id.</param>
    /// <param name="input">The input, written as a JSON object.</param>
    /// <param name="inputType">Its metadata, e.g. <c>MyJsonContext.Default.MyInput</c>.</param>
    /// <param name="options">Deadline and webhook options.</param>
    /// <param name="cancellationToken">Stops the stream and cancels the prediction.</param>
    /// <returns>The events; the last one is <c>done</c>.</returns>
    public virtual IAsyncEnumerable<StreamEvent> StreamAsync<TInput>(ModelIdentifier model, TInput input, JsonTypeInfo<TInput> inputType, PredictionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputType);
        return StreamCoreAsync(model, ct => Predictions.PrepareAsync(model, input, inputType, options, ct), options, cancellationToken);
    }

    /// <summary>The stream itself, whatever wrote the input.</summary>
    private RunStream StreamCoreAsync(
        ModelIdentifier model, Func<CancellationToken, ValueTask<PreparedInput>> prepare, PredictionOptions? options, CancellationToken cancellationToken) =>
        new(Predictions, _transport, model, prepare, options, cancellationToken);

    /// <summary>Runs a model and streams only its output text, token by token: <see cref="StreamAsync"/> without the other events.</summary>
    /// <param name="model"><c>owner/name</c>, <c>owner/name:version</c> or a version id.</param>
    /// <param name="input">The model's input.</param>
    /// <param name="options">Deadline and webhook options.</param>
    /// <param name="cancellationToken">Stops the stream and cancels the prediction.</param>
    /// <returns>The output text, piece by piece.</returns>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    public virtual IAsyncEnumerable<string> StreamTextAsync(ModelIdentifier model, object input, PredictionOptions? options = null, CancellationToken cancellationToken = default) =>
        TextOf(StreamAsync(model, input, options, cancellationToken), cancellationToken);

    /// <summary>The data of the output events.</summary>
    private static async IAsyncEnumerable<string> TextOf(IAsyncEnumerable<StreamEvent> events, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (e.Type == StreamEventType.Output)
            {
                yield return e.Data;
            }
        }
    }

    /// <summary>
    /// Searches models, collections and documentation pages (beta). For a plain, paged list of matching models use
    /// <see cref="ModelsClient.SearchAsync"/>.
    /// </summary>
    /// <remarks><c>GET /search?query=...&amp;limit=...</c>.</remarks>
    /// <param name="query">What to look for, e.g. <c>nano banana</c>.</param>
    /// <param name="limit">The most models to return, 1 to 50; <see langword="null"/> for the server's default (20).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The models, collections and pages found.</returns>
    /// <exception cref="ArgumentException"><paramref name="query"/> is empty; nothing was sent.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not between 1 and 50; nothing was sent.</exception>
    public virtual Task<SearchResult> SearchAsync(string query, int? limit = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        if (limit is < 1 or > 50)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "The search limit must be between 1 and 50.");
        }

        var uri = "search?query=" + Uri.EscapeDataString(query)
            + (limit is { } count ? "&limit=" + count.ToString(CultureInfo.InvariantCulture) : string.Empty);
        return _transport.GetAsync(_transport.Resolve(uri), ReplicateJsonContext.Default.SearchResult, cancellationToken).AsTask();
    }

    /// <summary>
    /// Disposes the connection pool, if this client created it; a caller-owned <see cref="HttpClient"/> is left alone.
    /// Later calls, and calls in flight that the disposal cuts short, throw <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <inheritdoc />
    public override string ToString() => $"ReplicateClient {{ BaseAddress = {BaseAddress} }}";

    /// <summary>Releases the connection pool when this client owns it.</summary>
    /// <param name="disposing">Whether this is called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            // First, so calls in flight that the disposal cuts short say why.
            _transport.IsDisposed = true;
            _ownedHttpClient?.Dispose();
            _transport.Throttle?.Dispose();
        }
    }

    private static ReplicateTransport CreateOwnedTransport(ReplicateClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var resolved = Resolve(options, httpClientBaseAddress: null, out var baseAddress, out var token);
        var http = new HttpClient(CreateHttpMessageHandler(resolved), disposeHandler: true)
        {
            // Per-attempt timeouts live in the retry handler; this one would cut long streams and sync waits.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        return new ReplicateTransport(http, resolved, baseAddress, token);
    }

    private static ReplicateTransport CreateTransport(HttpClient httpClient, ReplicateClientOptions? options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        var resolved = Resolve(options ?? new ReplicateClientOptions(), httpClient.BaseAddress, out var baseAddress, out var token);
        return new ReplicateTransport(httpClient, resolved, baseAddress, token);
    }

    private static ReplicateClientOptions Resolve(ReplicateClientOptions options, Uri? httpClientBaseAddress, out Uri baseAddress, out string? token)
    {
        var resolved = options.Clone();
        if (options.ApiToken is not null)
        {
            ValidateToken(options.ApiToken, nameof(options));
        }

        token = options.ApiToken ?? NullIfWhiteSpace(Environment.GetEnvironmentVariable("REPLICATE_API_TOKEN"));
        baseAddress = NormalizeBaseAddress(options.BaseAddress ?? httpClientBaseAddress ?? BaseAddressFromEnvironment() ?? ReplicateClientOptions.DefaultBaseAddress);
        resolved.BaseAddress = baseAddress;
        resolved.PollingInterval ??= PollingIntervalFromEnvironment() ?? TimeSpan.FromMilliseconds(500);
        ArgumentNullException.ThrowIfNull(resolved.TimeProvider, nameof(options.TimeProvider));
        ArgumentOutOfRangeException.ThrowIfNegative(resolved.MaxRetries, nameof(options.MaxRetries));
        ArgumentOutOfRangeException.ThrowIfLessThan(resolved.PollingInterval.Value, TimeSpan.Zero, nameof(options.PollingInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(resolved.RequestTimeout, TimeSpan.Zero, nameof(options.RequestTimeout));
        if (resolved.StreamIdleTimeout != Timeout.InfiniteTimeSpan && resolved.StreamIdleTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), resolved.StreamIdleTimeout, "ReplicateClientOptions.StreamIdleTimeout must be positive, or Timeout.InfiniteTimeSpan.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(resolved.MaxStreamEventSize, 1024, nameof(options.MaxStreamEventSize));
        if (resolved.Wait < TimeSpan.Zero || resolved.Wait > TimeSpan.FromSeconds(60))
        {
            throw new ArgumentOutOfRangeException(nameof(options), resolved.Wait, "ReplicateClientOptions.Wait must be between 0 and 60 seconds.");
        }

        return resolved;
    }

    private static string ValidateToken(string token, string parameterName)
    {
        // Never echo the token: the message names the problem only.
        if (string.IsNullOrWhiteSpace(token))
        {
            throw new ArgumentException("The API token is empty or whitespace. Pass the token from https://replicate.com/account/api-tokens, or leave it unset to read REPLICATE_API_TOKEN.", parameterName);
        }

        if (token.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException("The API token contains whitespace; check it was copied whole and without spaces or line breaks.", parameterName);
        }

        return token;
    }

    private static Uri NormalizeBaseAddress(Uri address)
    {
        if (!address.IsAbsoluteUri || address.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"The base address '{address}' must be an absolute http(s) URL such as https://api.replicate.com/v1/.", nameof(address));
        }

        var text = address.GetLeftPart(UriPartial.Path);
        if (address.AbsolutePath is "/" or "")
        {
            text = text.TrimEnd('/') + "/v1/";
        }

        return new Uri(text.EndsWith('/') ? text : text + "/");
    }

    private static Uri? BaseAddressFromEnvironment()
    {
        var value = NullIfWhiteSpace(Environment.GetEnvironmentVariable("REPLICATE_BASE_URL"));
        if (value is null)
        {
            return null;
        }

        return Uri.TryCreate(value, UriKind.Absolute, out var uri)
            ? uri
            : throw new ReplicateException($"REPLICATE_BASE_URL='{value}' is not an absolute URL such as https://api.replicate.com/v1/.");
    }

    private static TimeSpan? PollingIntervalFromEnvironment()
    {
        var value = NullIfWhiteSpace(Environment.GetEnvironmentVariable("REPLICATE_POLL_INTERVAL"));
        if (value is null)
        {
            return null;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds < 86_400
            ? TimeSpan.FromSeconds(seconds)
            : throw new ReplicateException($"REPLICATE_POLL_INTERVAL='{value}' is not a number of seconds (e.g. 0.5).");
    }

    private static string? NullIfWhiteSpace(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
