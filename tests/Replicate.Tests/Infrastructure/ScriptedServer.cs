using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Replicate.Tests.Infrastructure;

/// <summary>A Kestrel server on 127.0.0.1 that answers with whatever the test scripts, for exact fault and header cases.</summary>
public sealed class ScriptedServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Captured> _requests = new();

    private ScriptedServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyList<Captured> Requests => [.. _requests];

    public static async Task<ScriptedServer> StartAsync(Func<HttpContext, int, Task> handler, string host = "127.0.0.1")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{host}:0");
        var app = builder.Build();
        var server = new ScriptedServer(app);
        var count = 0;
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            server._requests.Enqueue(new Captured(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body));
            await handler(context, Interlocked.Increment(ref count));
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.TrimEnd('/') + "/v1/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed record Captured(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body);
}

public static class ScriptedResponses
{
    public const string Token = "r8_test_secret_token_value";

    public static async Task Json(HttpContext context, int status, string json, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(json);
    }

    public static string Prediction(string id = "p1", string status = "succeeded", string output = "\"hello\"") =>
        $$$"""{"id":"{{{id}}}","model":"acme/echo","version":"hidden","input":{},"output":{{{output}}},"logs":"","error":null,"status":"{{{status}}}","data_removed":false,"created_at":"2026-01-01T00:00:00.123Z","urls":{"get":"http://x/v1/predictions/{{{id}}}","cancel":"http://x/v1/predictions/{{{id}}}/cancel","web":"https://replicate.com/p/{{{id}}}"}}""";

    public static ReplicateClient Client(Uri baseAddress, TimeProvider? time = null, int maxRetries = 4, TimeSpan? maxRetryDelay = null) => new(new ReplicateClientOptions
    {
        ApiToken = Token,
        BaseAddress = baseAddress,
        TimeProvider = time ?? new FakeTimeProvider(),
        MaxRetries = maxRetries,
        MaxRetryDelay = maxRetryDelay ?? TimeSpan.FromSeconds(30),
    });
}
