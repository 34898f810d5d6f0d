using System.Net;
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
/// with cursors), models and versions, deployments' create endpoint, server-sent event streams and output files,
/// with Replicate's wire formats and problem-details errors. Register models as handlers with
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

    /// <summary>The number of predictions actually created, for asserting that retries created no duplicates.</summary>
    public int PredictionsCreated => _core.PredictionsCreated;

    /// <summary>Failures to inject into upcoming requests.</summary>
    public EmulatorFaults Faults => _core.Faults;

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
        if (options.IncludeDemoModels)
        {
            DemoModels.Register(core);
        }

        return new ReplicateEmulator(app, core, new Uri(core.Origin + "/v1/"));
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

    /// <summary>Registers a deployment that runs a registered model's version.</summary>
    /// <param name="deployment">The deployment name, <c>owner/name</c>.</param>
    /// <param name="model">The registered model it runs, <c>owner/name</c>.</param>
    public void AddDeployment(string deployment, string model) => _core.AddDeployment(deployment, model);

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
