using System.Net;
using System.Net.Sockets;
using Replicate.Tests.Infrastructure;
using static Replicate.Tests.Infrastructure.ScriptedApi;

namespace Replicate.Tests;

/// <summary>Network failures: which are retried, and what the caller sees when they are not or retries run out.</summary>
public class NetworkFailureTests
{
    [Fact]
    public async Task Create_WhoseConnectionIsRefused_IsRetried_BecauseNothingReachedTheServer()
    {
        // The first connection goes to a bound port that does not listen (refused on the wire); later ones reach the emulator.
        await using var h = await EmulatorHarness.StartAsync();
        using var refusing = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        refusing.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var connects = 0;
        var sockets = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var target = Interlocked.Increment(ref connects) == 1
                    ? (IPEndPoint)refusing.LocalEndPoint!
                    : new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port);
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(target, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var clock = new TestClock();
        var options = new ReplicateClientOptions { ApiToken = h.Emulator.ApiToken, BaseAddress = h.Emulator.BaseAddress, TimeProvider = clock };
        using var http = new HttpClient(ReplicateClient.CreateHttpMessageHandler(options, sockets));
        using var client = new ReplicateClient(http, options);

        var prediction = await clock.RunAsync(client.Predictions.CreateAsync("replicate/hello-world", new { text = "again" }));

        Assert.Equal(2, connects);
        // One backoff between the two connects (every attempt also asks for its 100 s timeout).
        Assert.Single(clock.Requested, d => d < TimeSpan.FromSeconds(31));
        Assert.Single(h.Requests("POST", "/v1/"));
        Assert.Equal(1, h.Emulator.PredictionsCreated);
        Assert.NotNull(prediction.Id);
    }

    [Fact]
    public async Task Create_ThatRefusesEveryConnection_SurfacesWithMethodPathAttemptsAndTheCause()
    {
        using var refusing = new RefusingPort();
        var clock = new TestClock();
        using var client = Client(refusing.BaseAddress, clock, maxRetries: 2);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => clock.RunAsync(client.Predictions.CreateAsync("acme/echo", new { text = "hi" })));

        Assert.StartsWith("POST /v1/models/acme/echo/predictions failed after 3 attempts: ", ex.Message, StringComparison.Ordinal);
        Assert.Equal(HttpRequestError.ConnectionError, ex.HttpRequestError);
        Assert.IsType<HttpRequestException>(ex.InnerException);
        Assert.Equal(2, clock.Requested.Count(d => d < TimeSpan.FromSeconds(31)));
    }

    [Fact]
    public async Task ASingleAttemptNetworkFailure_IsWrappedTheSameWay()
    {
        // WireMock cannot reset a connection: see ConnectionFaultServer.
        await using var server = await ConnectionFaultServer.StartAsync((context, _) => ConnectionFaultServer.Reset(context));
        using var refusing = new RefusingPort();
        var clock = new TestClock();
        using var client = Client(server.BaseAddress, clock);
        using var noRetries = Client(refusing.BaseAddress, clock, maxRetries: 0);

        var reset = await Assert.ThrowsAsync<HttpRequestException>(() => clock.RunAsync(client.Predictions.CreateAsync("acme/echo", new { text = "hi" })));
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => clock.RunAsync(noRetries.Predictions.GetAsync("p1")));

        // A reset after the request went out is not retried for a create: the prediction may exist.
        Assert.Single(server.Requests);
        Assert.StartsWith("POST /v1/models/acme/echo/predictions failed after 1 attempt: ", reset.Message, StringComparison.Ordinal);
        Assert.NotNull(reset.InnerException);
        Assert.StartsWith("GET /v1/predictions/p1 failed after 1 attempt: ", refused.Message, StringComparison.Ordinal);
        Assert.Equal(HttpRequestError.ConnectionError, refused.HttpRequestError);
        Assert.NotNull(refused.InnerException);
    }
}
