using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Replicate.Testing;
using StreamingChat;

namespace Replicate.Samples.Tests;

/// <summary>A sample web app (StreamingChat by default) running on Kestrel, on 127.0.0.1 and a free port, against an emulator.</summary>
internal sealed class SampleApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SampleApp(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static Task<SampleApp> StartAsync(ReplicateEmulator emulator) => StartAsync(emulator, StreamingChatApp.Build);

    /// <summary>Starts a sample web app, given its <c>Build(args, configureReplicate)</c>.</summary>
    public static async Task<SampleApp> StartAsync(ReplicateEmulator emulator, Func<string[], Action<ReplicateClientOptions>, WebApplication> build)
    {
        var app = build(
            ["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"],
            o =>
            {
                o.ApiToken = emulator.ApiToken;
                o.BaseAddress = emulator.BaseAddress;
            });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StartAsync(timeout.Token);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new SampleApp(app, new Uri(address + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _app.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync();
    }
}
