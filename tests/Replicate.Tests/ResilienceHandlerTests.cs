using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Replicate.Tests.Infrastructure;
using WireMock.Server;
using static Replicate.Tests.Infrastructure.ScriptedApi;

namespace Replicate.Tests;

/// <summary>
/// <c>services.AddReplicate().AddStandardResilienceHandler()</c>, and the same handler added to every client through
/// <c>ConfigureHttpClientDefaults</c> (Aspire's service defaults): never a second paid prediction, never two retry layers
/// multiplying attempts, never a held create cut by the standard handler's 10 s attempt timeout. Every delay of both
/// layers runs on one fake clock.
/// </summary>
public class ResilienceHandlerTests
{
    private const string Create = "models/acme/echo/predictions";
    private const string OnTheReplicateClient = "on the Replicate client";
    private const string OnEveryClient = "on every client";

    public static TheoryData<string> Placements => [OnTheReplicateClient, OnEveryClient];

    [Theory]
    [MemberData(nameof(Placements))]
    public async Task ACreateAnswered500_IsSentOnce_WithTheStandardHandler(string placement)
    {
        using var server = Start();
        server.Given(Api(Create, "POST")).RespondWith(Json(500, """{"detail":"boom"}""", "application/problem+json"));
        var clock = new TestClock();
        using var provider = Services(server, clock, placement);

        var error = await Assert.ThrowsAsync<ReplicateApiException>(
            () => clock.RunAsync(provider.GetRequiredService<ReplicateClient>().Predictions.CreateAsync("acme/echo", new { text = "once" })));

        Assert.Equal(500, (int)error.StatusCode);
        Assert.Single(server.LogEntries);
    }

    [Theory]
    [MemberData(nameof(Placements))]
    public async Task AFailingRead_IsRetriedByOneLayer_NotBoth(string placement)
    {
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Json(503, """{"detail":"busy"}""", "application/problem+json"));
        var clock = new TestClock();
        using var provider = Services(server, clock, placement, maxRetries: 2);

        await Assert.ThrowsAsync<ReplicateApiException>(
            () => clock.RunAsync(provider.GetRequiredService<ReplicateClient>().Predictions.GetAsync("p1")));

        // The SDK's 1 + 2 attempts; the standard handler's 3 retries of each would make 12.
        Assert.Equal(3, server.LogEntries.Count);
    }

    [Fact]
    public async Task AThrottledCreate_IsStillRetried_WithTheStandardHandler()
    {
        using var server = Start();
        server.Sequence(
            Api(Create, "POST"),
            Json(429, """{"detail":"Request was throttled."}""").WithHeader("Retry-After", "1"),
            Json(201, Prediction(status: "starting", output: "null")));
        var clock = new TestClock();
        using var provider = Services(server, clock, OnTheReplicateClient);

        var prediction = await clock.RunAsync(provider.GetRequiredService<ReplicateClient>().Predictions.CreateAsync("acme/echo", new { text = "x" }));

        Assert.Equal("p1", prediction.Id);
        Assert.Equal(2, server.LogEntries.Count);
    }

    [Fact]
    public async Task ACreateHeldLongerThanTheStandardAttemptTimeout_IsNotCut()
    {
        using var server = Start();

        // The server holds the create (Prefer: wait) for 0.3 s of real time while the test moves the fake clock through
        // every short timer: the standard handler's 10 s attempt and 30 s total timeouts would fire, the SDK's 60 s wait
        // plus margin does not.
        server.Given(Api(Create, "POST")).RespondWith(Json(201, Prediction()).WithDelay(TimeSpan.FromMilliseconds(300)));
        var clock = new TestClock();
        using var provider = Services(server, clock, OnTheReplicateClient);

        var output = await clock.RunAsync(provider.GetRequiredService<ReplicateClient>().RunAsync("acme/echo", new { text = "held" }));

        Assert.Equal("hello", output.AsString());
        Assert.Single(server.LogEntries);
        Assert.DoesNotContain(TimeSpan.FromSeconds(10), clock.Requested);
    }

    [Fact]
    public async Task OtherClients_KeepTheStandardHandlerAsConfigured()
    {
        using var server = Start();
        server.Given(Api("anything")).RespondWith(Json(503, "{}"));
        var clock = new TestClock();
        var services = ServiceCollection(server, clock, OnTheReplicateClient, maxRetries: 4);

        // No backoff, and a clock that never moves: the 3 retries happen at once and no timeout can fire.
        services.AddHttpClient("other").AddStandardResilienceHandler(o => o.Retry.Delay = TimeSpan.Zero);
        using var provider = services.BuildServiceProvider();
        using var other = provider.GetRequiredService<IHttpClientFactory>().CreateClient("other");

        using var response = await other.GetAsync(new Uri(server.ApiBase(), "anything"));

        Assert.Equal(503, (int)response.StatusCode);
        Assert.Equal(4, server.LogEntries.Count);
    }

    private static ServiceProvider Services(WireMockServer server, TestClock clock, string placement, int maxRetries = 4) =>
        ServiceCollection(server, clock, placement, maxRetries).BuildServiceProvider();

    private static ServiceCollection ServiceCollection(WireMockServer server, TestClock clock, string placement, int maxRetries)
    {
        Assert.True(placement is OnTheReplicateClient or OnEveryClient, "Unknown placement: " + placement);
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        if (placement == OnEveryClient)
        {
            services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        }

        var replicate = services.AddReplicate(o =>
        {
            o.ApiToken = Token;
            o.BaseAddress = server.ApiBase();
            o.TimeProvider = clock;
            o.MaxRetries = maxRetries;
        });
        if (placement == OnTheReplicateClient)
        {
            replicate.AddStandardResilienceHandler();
        }

        return services;
    }
}
