using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Replicate.Tests.Infrastructure;

/// <summary>
/// A Kestrel server on 127.0.0.1 whose handler gets the raw <see cref="HttpContext"/>, only for what WireMock.Net
/// (<see cref="ScriptedApi"/>) cannot script: WireMock 1.25 always completes the response it starts, so it can neither
/// reset a connection (<see cref="HttpContext.Abort"/>) before or in the middle of a response, nor send fewer bytes
/// than the Content-Length it declared. Its "fault" responses (EMPTY_RESPONSE, MALFORMED_RESPONSE_CHUNK) are complete
/// responses with an empty or garbled body. Everything else is scripted on WireMock.
/// </summary>
public sealed class ConnectionFaultServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _requests = new();

    private ConnectionFaultServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The requests received, as <c>METHOD /path?query</c>, in order of arrival.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    /// <param name="handler">Gets the request and its number (1 for the first).</param>
    public static async Task<ConnectionFaultServer> StartAsync(Func<HttpContext, int, Task> handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new ConnectionFaultServer(app);
        var count = 0;
        app.Run(async context =>
        {
            server._requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
            await handler(context, Interlocked.Increment(ref count));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.TrimEnd('/') + "/v1/");
        return server;
    }

    /// <summary>Ends the connection without a response: the client sees a reset.</summary>
    public static Task Reset(HttpContext context)
    {
        context.Abort();
        return Task.CompletedTask;
    }

    public static async Task WriteJsonAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
