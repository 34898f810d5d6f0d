using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Replicate.Testing.Internal;

namespace Replicate.Testing;

/// <summary>
/// A local Replicate API (<c>https://api.replicate.com/v1</c>) on a real Kestrel server bound to 127.0.0.1 and a
/// free port. It implements predictions (sync mode with <c>Prefer: wait</c>, <c>Cancel-After</c>, cancel, list
/// with cursors), models (list, search, create, update, delete, README, examples) and versions, deployments,
/// collections, hardware, the account and search, server-sent event streams and output files, with Replicate's wire
/// formats and problem-details errors. Register models as handlers with
/// <see cref="AddModel"/>; inject failures with <see cref="Faults"/>; inspect traffic with <see cref="Requests"/>.
/// </summary>
/// <example>
/// <code>
/// await using var emulator = await ReplicateEmulator.StartAsync();
/// emulator.AddModel("acme/echo", (input, context) => Task.FromResult&lt;object?&gt;(input.GetProperty("text").GetString()));
/// // point a client at emulator.BaseAddress with emulator.ApiToken
/// </code>
/// </example>
public sealed class ReplicateEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EmulatorCore _core;
    private int _disposed;

    private ReplicateEmulator(WebApplication app, EmulatorCore core, Uri baseAddress)
    {
        _app = app;
        _core = core;
        BaseAddress = baseAddress;
    }

    /// <summary>The API base address, <c>http://127.0.0.1:{port}/v1/</c> (with a trailing slash, for relative URIs).</summary>
    public Uri BaseAddress { get; }

    /// <summary>The token the emulator accepts (<see cref="ReplicateEmulatorOptions.ApiToken"/>); null when any token is accepted.</summary>
    public string? ApiToken => _core.Options.ApiToken;

    /// <summary>The options the emulator was started with.</summary>
    public ReplicateEmulatorOptions Options => _core.Options;

    /// <summary>Every request received so far (including faulted ones), in arrival order. A snapshot.</summary>
    public IReadOnlyList<RecordedRequest> Requests => _core.RequestsSnapshot();

    /// <summary>Gets the private temporary folder uploads are written to (deleted on dispose), once one arrived.</summary>
    internal string? UploadDirectory => _core.UploadedFiles.Directory;

    /// <summary>The number of predictions actually created, for asserting that retries created no duplicates.</summary>
    public int PredictionsCreated => _core.PredictionsCreated;

    /// <summary>Failures to inject into upcoming requests.</summary>
    public EmulatorFaults Faults => _core.Faults;

    /// <summary>Gets how many requests were answered 429 by the account rate limits (<see cref="ReplicateEmulatorOptions.RateLimits"/>).</summary>
    public int ThrottledResponses => _core.Limits.Throttled;

    /// <summary>
    /// When greater than zero, the next stream connection is reset (no <c>done</c>) after that many events have
    /// been written to it. One-shot: taking effect resets it to 0.
    /// </summary>
    public int DropStreamAfterEvents
    {
        get => _core.DropStreamAfterEvents;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _core.DropStreamAfterEvents = value;
        }
    }

    /// <summary>
    /// The account's webhook signing secret (<c>whsec_...</c>), as <c>GET /webhooks/default/secret</c> returns it: every
    /// webhook delivery is signed with it. Random per emulator, fixed for its life.
    /// </summary>
    public string WebhookSecret => _core.Webhooks.Secret;

    /// <summary>Every webhook delivery attempt so far, retries included, in the order they were made. A snapshot.</summary>
    public IReadOnlyList<RecordedWebhookDelivery> WebhookDeliveries => _core.Webhooks.Snapshot();

    /// <summary>The number of stream (SSE) connections open right now; it drops when a client disconnects.</summary>
    public int OpenStreamConnections => _core.OpenStreams;

    /// <summary>Starts an emulator on 127.0.0.1 and a free port.</summary>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running emulator. Dispose it to stop the server.</returns>
    public static async Task<ReplicateEmulator> StartAsync(ReplicateEmulatorOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ReplicateEmulatorOptions();
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PageSize, 1, nameof(options));

        var core = new EmulatorCore(options);

        // The empty builder reads no appsettings.json, environment variables or command line, and logs nothing:
        // an emulator inside someone's test or sample process must not pick up that process's Kestrel endpoints
        // or logging configuration.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = typeof(ReplicateEmulator).Assembly.GetName().Name });
        builder.Services.AddLogging();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http1);
        });

        var app = builder.Build();
        app.Run(context => RequestRouter.HandleAsync(context, core));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            core.Dispose();
            throw;
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        var port = new Uri(address).Port;
        core.Origin = "http://127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var emulator = new ReplicateEmulator(app, core, new Uri(core.Origin + "/v1/"));
        if (options.IncludeDemoModels)
        {
            DemoModels.Register(core);
            DemoModels.RegisterCollections(core);
            try
            {
                await DemoModels.AddExamplesAsync(core, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await emulator.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return emulator;
    }

    /// <summary>
    /// A read-only, seekable stream of <paramref name="length"/> bytes in which the byte at position i is
    /// <c>(byte)(i % 251)</c>. It computes its content instead of storing it, so it can stand for a huge output
    /// file (pass <c>() =&gt; ReplicateEmulator.CreatePatternStream(1L &lt;&lt; 30)</c> to <see cref="AddFile"/> for a
    /// 1 GiB download), and a reader can verify any received range by position alone.
    /// </summary>
    /// <param name="length">The stream length in bytes.</param>
    /// <returns>A new stream positioned at 0.</returns>
    public static Stream CreatePatternStream(long length) => new PatternStream(length);

    /// <summary>
    /// Registers (or replaces) a model. Its predictions run <paramref name="handler"/> on the thread pool.
    /// </summary>
    /// <param name="model">The model name, <c>owner/name</c>.</param>
    /// <param name="handler">Produces the output from the input.</param>
    /// <param name="configure">Adjusts the model's options (version id, schema, official, streaming, start delay).</param>
    /// <returns>The model, with its version id.</returns>
    public EmulatorModel AddModel(string model, EmulatorModelHandler handler, Action<EmulatorModelOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var options = new EmulatorModelOptions();
        configure?.Invoke(options);
        return _core.AddModel(model, handler, options);
    }

    /// <summary>
    /// Registers (or replaces) a model from a schema file: the model object <c>GET /models/{owner}/{name}</c> returns, as
    /// the typed-models generator reads it. The model gets the file's owner, name, description, pinned version id and
    /// OpenAPI schema, so the emulator serves that schema and answers inputs that break it with 422 naming the field,
    /// as the real API does: a test of typed calls catches bad inputs offline.
    /// </summary>
    /// <param name="schemaFile">The schema file's path.</param>
    /// <param name="handler">Produces the output from the input.</param>
    /// <param name="configure">Adjusts the model's options further.</param>
    /// <returns>The model, with its version id.</returns>
    /// <exception cref="ArgumentException">The file is not a model with <c>latest_version.openapi_schema</c>.</exception>
    public EmulatorModel AddModelFromSchemaFile(string schemaFile, EmulatorModelHandler handler, Action<EmulatorModelOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(schemaFile);
        var model = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(schemaFile)) as System.Text.Json.Nodes.JsonObject;
        var owner = model?["owner"]?.GetValue<string>();
        var name = model?["name"]?.GetValue<string>();
        var version = model?["latest_version"]?["id"]?.GetValue<string>();
        var schema = model?["latest_version"]?["openapi_schema"];
        if (owner is null || name is null || version is null || schema is null)
        {
            throw new ArgumentException($"'{schemaFile}' is not a model object with owner, name and latest_version (id, openapi_schema).", nameof(schemaFile));
        }

        return AddModel(owner + "/" + name, handler, options =>
        {
            options.VersionId = version;
            options.OpenApiSchema = schema.DeepClone();
            options.Description = model!["description"]?.GetValue<string>();
            configure?.Invoke(options);
        });
    }

    /// <summary>
    /// Registers (or replaces) a deployment that runs a registered model's version, as release 1 on <c>gpu-t4</c> with 0
    /// to 1 instances. Deployments created with <c>POST /deployments</c> are owned by
    /// <see cref="ReplicateEmulatorOptions.AccountUsername"/>; this one by the owner in its name.
    /// </summary>
    /// <param name="deployment">The deployment name, <c>owner/name</c>.</param>
    /// <param name="model">The registered model it runs, <c>owner/name</c>.</param>
    public void AddDeployment(string deployment, string model) => _core.AddDeployment(deployment, model);

    /// <summary>Adds (or replaces) a collection, served by <c>GET /collections</c> and <c>GET /collections/{slug}</c> and found by search.</summary>
    /// <param name="slug">The collection's identifier in URLs, e.g. <c>super-resolution</c>.</param>
    /// <param name="name">The display name.</param>
    /// <param name="description">The short description.</param>
    /// <param name="models">The registered models in it, <c>owner/name</c>.</param>
    /// <param name="fullDescription">The long description (Markdown), or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A model is not registered.</exception>
    public void AddCollection(string slug, string name, string description, IEnumerable<string> models, string? fullDescription = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(slug);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(models);
        _core.AddCollection(slug, name, description, [.. models], fullDescription);
    }

    /// <summary>
    /// Runs a prediction of a registered model to its end and saves it as one of the model's examples
    /// (<c>GET /models/{owner}/{name}/examples</c>; the first is the model's <c>default_example</c>). Examples do not
    /// appear in <c>GET /predictions</c> and do not count in <see cref="PredictionsCreated"/>.
    /// </summary>
    /// <param name="model">The registered model, <c>owner/name</c>.</param>
    /// <param name="input">The input: an anonymous object, dictionary or JSON value serialized as a JSON object.</param>
    /// <param name="cancellationToken">Stops waiting for the example to finish.</param>
    /// <returns>The example prediction's id.</returns>
    /// <exception cref="ArgumentException">The model is not registered, or has no version to run.</exception>
    public async Task<string> AddExampleAsync(string model, object input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var registered = _core.FindRunnableModel(model) ?? throw new ArgumentException("No runnable model named '" + model + "' is registered.", nameof(model));
        var json = JsonSerializer.SerializeToElement(input, WireFormat.SerializerOptions);
        if (json.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("The example input must be a JSON object.", nameof(input));
        }

        var example = await _core.AddExampleAsync(registered, json, cancellationToken).ConfigureAwait(false);
        return example.Id;
    }

    /// <summary>
    /// Mints a signed download URL for an uploaded file (<c>GET /files/{id}/download?owner&amp;expiry&amp;signature</c>),
    /// as Replicate hands them out: the owner is <see cref="ReplicateEmulatorOptions.AccountUsername"/> and the signature
    /// an HMAC-SHA256 of <c>"{owner} {id} {expiry}"</c> with the emulator's Files API signing secret. Altering any part
    /// makes the download answer 404.
    /// </summary>
    /// <param name="fileId">The uploaded file's id.</param>
    /// <param name="expiry">When the URL stops working; default one hour from now on <see cref="ReplicateEmulatorOptions.TimeProvider"/>.</param>
    /// <returns>The absolute URL.</returns>
    public Uri CreateFileDownloadUrl(string fileId, DateTimeOffset? expiry = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileId);
        return FilesEndpoints.CreateDownloadUrl(_core, fileId, expiry ?? _core.Time.GetUtcNow().AddHours(1));
    }

    /// <summary>
    /// Opens a file given by an emulator URL or a <c>data:</c> URI, the way a model handler reads its file inputs
    /// (<see cref="PredictionContext.OpenInputFile"/>).
    /// </summary>
    /// <param name="url">An upload's <c>urls.get</c>, a signed download URL, an output file URL, or a <c>data:</c> URI.</param>
    /// <returns>A readable stream; dispose it.</returns>
    /// <exception cref="ArgumentException">The URL is not a file this emulator serves.</exception>
    public Stream OpenFile(string url) => InputFiles.Open(_core, url);

    /// <summary>Forgets the recorded requests.</summary>
    public void ClearRequests() => _core.ClearRequests();

    /// <summary>
    /// Serves content at a new absolute URL (no auth needed, <c>Range</c> supported), for file outputs or file
    /// inputs given by URL.
    /// </summary>
    /// <param name="fileName">The last URL segment, e.g. <c>out-0.png</c>.</param>
    /// <param name="contentType">The <c>Content-Type</c> it is served with.</param>
    /// <param name="open">Opens a new readable, seekable stream of the content for each request.</param>
    /// <returns>The absolute URL.</returns>
    public string AddFile(string fileName, string contentType, Func<Stream> open) => _core.Files.Add(fileName, contentType, open);

    /// <summary>Stops the server: ends held requests and streams, cancels running predictions, frees the port.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _core.BeginShutdown();
        using (var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            try
            {
                await _app.StopAsync(stopTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Whatever was still running has been aborted; disposal continues.
            }
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _core.Dispose();
    }
}
