using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Replicate.Tests.Infrastructure;

/// <summary>
/// A loopback reverse proxy in front of the emulator that injects faults at random from a seed: error statuses
/// before forwarding (the request never reaches the API) and "lost responses" after forwarding (the API did the work,
/// then the connection dies: the case where a retried create would run twice).
/// </summary>
public sealed class ChaosProxy : IAsyncDisposable
{
    private static readonly int[] Statuses = [500, 502, 503, 504, 429];
    private readonly WebApplication _app;
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private readonly Random _random;
    private readonly object _gate = new();
    private int _faults;
    private int _lostResponses;
    private int _requests;

    private ChaosProxy(WebApplication app, Uri target, int seed, double rate, double lostResponseRate)
    {
        _app = app;
        Target = target;
        _random = new Random(seed);
        Rate = rate;
        LostResponseRate = lostResponseRate;
    }

    public Uri Target { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public double Rate { get; set; }

    public double LostResponseRate { get; set; }

    public int Faults => Volatile.Read(ref _faults);

    public int LostResponses => Volatile.Read(ref _lostResponses);

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<ChaosProxy> StartAsync(Uri target, int seed, double rate, double lostResponseRate = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var proxy = new ChaosProxy(app, target, seed, rate, lostResponseRate);
        app.Run(proxy.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        proxy.BaseAddress = new Uri(address.TrimEnd('/') + "/v1/");
        return proxy;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        double roll;
        int status;
        double lost;
        lock (_gate)
        {
            roll = _random.NextDouble();
            status = Statuses[_random.Next(Statuses.Length)];
            lost = _random.NextDouble();
        }

        if (roll < Rate)
        {
            Interlocked.Increment(ref _faults);
            context.Response.StatusCode = status;
            if (status == 429)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync($"{{\"detail\":\"chaos {status}\",\"status\":{status}}}");
            return;
        }

        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(Target, context.Request.Path + context.Request.QueryString));
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        if (body.Length > 0)
        {
            request.Content = new ByteArrayContent(body.ToArray());
            request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
        }

        foreach (var header in context.Request.Headers)
        {
            if (!header.Key.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) && header.Key != "Host")
            {
                request.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
            }
        }

        using var response = await _upstream.SendAsync(request, context.RequestAborted);
        if (lost < LostResponseRate)
        {
            // The upstream did the work; the client never hears of it.
            Interlocked.Increment(ref _lostResponses);
            context.Abort();
            return;
        }

        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (header.Key is not ("Transfer-Encoding" or "Content-Length"))
            {
                context.Response.Headers[header.Key] = header.Value.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
