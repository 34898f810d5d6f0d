using System.Net;
using Replicate.Tests.Infrastructure;
using static Replicate.Tests.Infrastructure.ScriptedApi;

namespace Replicate.Tests;

public class RetryTests
{
    [Fact]
    public async Task Get_RetriesServerErrors_WithExponentialBackoff()
    {
        using var server = Start();
        server.Sequence(
            Api("predictions/p1"),
            Json(500, """{"detail":"boom"}""", "application/problem+json"),
            Json(502, """{"detail":"boom"}""", "application/problem+json"),
            Json(503, """{"detail":"boom"}""", "application/problem+json"),
            Json(200, Prediction()));
        var clock = new TestClock();
        var stamps = server.StampRequests(clock);
        using var client = Client(server.ApiBase(), clock);

        var prediction = await clock.RunAsync(client.Predictions.GetAsync("p1"));

        Assert.Equal("p1", prediction.Id);
        Assert.Equal(4, server.LogEntries.Count);
        var backoffs = Gaps(stamps);
        Assert.Equal(3, backoffs.Count);
        Assert.All(backoffs, d => Assert.InRange(d, TimeSpan.Zero, TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Get_RetriesTransientStatus(int status)
    {
        using var server = Start();
        server.Sequence(Api("predictions/p1"), Json(status, "{}"), Json(200, Prediction()));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);

        await clock.RunAsync(client.Predictions.GetAsync("p1"));

        Assert.Equal(2, server.LogEntries.Count);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(422)]
    public async Task Get_DoesNotRetryClientErrors(int status)
    {
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Json(status, """{"detail":"no"}"""));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => clock.RunAsync(client.Predictions.GetAsync("p1")));

        Assert.Equal((HttpStatusCode)status, ex.StatusCode);
        Assert.Single(server.LogEntries);
    }

    [Fact]
    public async Task Create_ThrottledIsRetried_HonouringRetryAfterSeconds_AndCreatesOnce()
    {
        using var server = Start();
        server.Sequence(
            Api("models/acme/echo/predictions", "POST"),
            Json(429, """{"detail":"Request was throttled. Expected available in 2 seconds."}""").WithHeader("Retry-After", "2"),
            Json(201, Prediction()));
        var clock = new TestClock();
        var stamps = server.StampRequests(clock);
        using var client = Client(server.ApiBase(), clock);

        await clock.RunAsync(client.Predictions.CreateAsync("acme/echo", new { text = "hi" }));

        var requests = server.Requests();
        Assert.Equal(2, requests.Count);
        Assert.Contains("\"hi\"", requests[0].Body, StringComparison.Ordinal);
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.Equal([TimeSpan.FromSeconds(2)], Gaps(stamps));
    }

    [Fact]
    public async Task RetryAfterHttpDate_IsHonoured()
    {
        var clock = new TestClock();
        using var server = Start();
        server.Sequence(
            Api("predictions/p1"),
            Json(503, "{}").WithHeader("Retry-After", clock.GetUtcNow().AddSeconds(7).ToString("R")),
            Json(200, Prediction()));
        var stamps = server.StampRequests(clock);
        using var client = Client(server.ApiBase(), clock);

        await clock.RunAsync(client.Predictions.GetAsync("p1"));

        Assert.Equal([TimeSpan.FromSeconds(7)], Gaps(stamps));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    [InlineData(408)]
    public async Task Create_ServerErrorIsNotRetried_BecauseThePredictionMayExist(int status)
    {
        using var server = Start();
        server.Given(Api("models/acme/echo/predictions", "POST")).RespondWith(Json(status, """{"detail":"oops"}"""));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => clock.RunAsync(client.Predictions.CreateAsync("acme/echo", new { text = "hi" })));

        Assert.Equal((HttpStatusCode)status, ex.StatusCode);
        Assert.Single(server.LogEntries);
        Assert.Equal(1, ex.Attempts);
    }

    [Fact]
    public async Task RetryAfterAboveTheCap_SurfacesInsteadOfSleeping()
    {
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Json(429, """{"detail":"Your rate limit resets in ~3600s."}""").WithHeader("Retry-After", "3600"));
        var clock = new TestClock();
        var started = clock.GetUtcNow();
        using var client = Client(server.ApiBase(), clock, maxRetryDelay: TimeSpan.FromSeconds(30));

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => clock.RunAsync(client.Predictions.GetAsync("p1")));

        Assert.Equal(HttpStatusCode.TooManyRequests, ex.StatusCode);
        Assert.Equal(TimeSpan.FromHours(1), ex.RetryAfter);
        Assert.Single(server.LogEntries);
        Assert.Equal(started, clock.GetUtcNow()); // it waited for nothing, not even the 30 s cap
        Assert.Contains("retry after 3600 s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExhaustedRetries_ReportTheAttemptCount()
    {
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Json(503, """{"title":"Unavailable","detail":"down"}""", "application/problem+json"));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock, maxRetries: 2);

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => clock.RunAsync(client.Predictions.GetAsync("p1")));

        Assert.Equal(3, ex.Attempts);
        Assert.Equal(3, server.LogEntries.Count);
        Assert.Contains("after 3 attempts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxRetriesZero_DisablesRetries()
    {
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Json(503, "{}"));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock, maxRetries: 0);

        await Assert.ThrowsAsync<ReplicateApiException>(() => clock.RunAsync(client.Predictions.GetAsync("p1")));

        Assert.Single(server.LogEntries);
    }

    [Fact]
    public async Task Get_ConnectionReset_IsRetried()
    {
        // WireMock cannot reset a connection: see ConnectionFaultServer.
        await using var server = await ConnectionFaultServer.StartAsync((context, n) =>
            n == 1 ? ConnectionFaultServer.Reset(context) : ConnectionFaultServer.WriteJsonAsync(context, 200, Prediction()));
        var clock = new TestClock();
        using var client = Client(server.BaseAddress, clock);

        await clock.RunAsync(client.Predictions.GetAsync("p1"));

        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task Create_ConnectionReset_IsNotRetried()
    {
        await using var server = await ConnectionFaultServer.StartAsync((context, _) => ConnectionFaultServer.Reset(context));
        var clock = new TestClock();
        using var client = Client(server.BaseAddress, clock);

        await Assert.ThrowsAsync<HttpRequestException>(() => clock.RunAsync(client.Predictions.CreateAsync("acme/echo", new { text = "hi" })));

        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task ConnectionRefused_OnAClosedPort_IsRetriedThenSurfaces()
    {
        using var refusing = new RefusingPort();
        var clock = new TestClock();
        using var client = Client(refusing.BaseAddress, clock, maxRetries: 2);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => clock.RunAsync(client.Predictions.GetAsync("p1")));

        // No server saw anything: the clock saw the two backoffs (each attempt also sets its 100 s timeout).
        Assert.Equal(2, clock.Requested.Count(d => d < TimeSpan.FromSeconds(31)));
        Assert.Contains("GET /v1/predictions/p1 failed after 3 attempts", ex.Message, StringComparison.Ordinal);
        Assert.Equal(HttpRequestError.ConnectionError, ex.HttpRequestError);
    }

    [Fact]
    public async Task AttemptTimeout_FiresOnAServerThatNeverAnswers_AndGetsRetried()
    {
        using var server = Start();
        using var hang = new Hang();
        server.Given(Api("predictions/p1")).RespondWith(hang.Response());
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);

        var get = client.Predictions.GetAsync("p1");
        await hang.Arrived.WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntil(() => clock.PendingTimers > 0);

        // From now on the API answers (WireMock takes the newest mapping); then the first attempt's 100 s run out.
        server.Given(Api("predictions/p1")).RespondWith(Json(200, Prediction()));
        clock.Advance(TimeSpan.FromSeconds(101));

        var prediction = await clock.RunAsync(get);
        Assert.Equal("p1", prediction.Id);
        Assert.Equal(1, hang.Arrivals);
        hang.Release();
        await WaitUntil(() => server.LogEntries.Count == 2);
        Assert.Equal(2, server.LogEntries.Count);
    }

    [Fact]
    public async Task AttemptTimeout_OnACreate_SurfacesAsTimeoutException_WithoutRetrying()
    {
        using var server = Start();
        using var hang = new Hang();
        server.Given(Api("models/acme/echo/predictions", "POST")).RespondWith(hang.Response());
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);

        var create = client.Predictions.CreateAsync("acme/echo", new { text = "hi" });
        await hang.Arrived.WaitAsync(TimeSpan.FromSeconds(10));
        await WaitUntil(() => clock.PendingTimers > 0);
        clock.Advance(TimeSpan.FromSeconds(101));

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => create.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("RequestTimeout", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, hang.Arrivals);
        hang.Release();
        await WaitUntil(() => server.LogEntries.Count > 0);
        Assert.Single(server.LogEntries);
    }

    [Fact]
    public async Task CallerCancellation_DuringBackoff_EndsPromptly()
    {
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Json(503, "{}"));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);
        using var cts = new CancellationTokenSource();

        var get = client.Predictions.GetAsync("p1", cts.Token);
        await WaitUntil(() => server.LogEntries.Count == 1 && clock.NextTimer < TimeSpan.FromSeconds(31));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => get.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Single(server.LogEntries);
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }

    [Fact]
    public async Task AttemptTimers_ReuseASourceWhoseTimerDidNotFire_AndNeverOneThatFired()
    {
        var timers = new AttemptTimers(TimeProvider.System);
        var first = timers.Rent(TimeSpan.FromMinutes(1));
        timers.Return(first);
        var second = timers.Rent(TimeSpan.FromMinutes(1));
        Assert.Same(first, second);
        Assert.False(second.IsCancellationRequested);

        // One that fired is canceled for good: it is dropped, and the next attempt gets a fresh one.
        var fired = timers.Rent(TimeSpan.FromMilliseconds(1));
        await WaitUntil(() => fired.IsCancellationRequested);
        timers.Return(fired);
        var next = timers.Rent(TimeSpan.FromMinutes(1));
        Assert.NotSame(fired, next);
        Assert.False(next.IsCancellationRequested);

        // On a test clock a source cannot be reset, so each attempt gets its own, which fires on that clock.
        var clock = new TestClock();
        var onClock = new AttemptTimers(clock);
        var a = onClock.Rent(TimeSpan.FromSeconds(30));
        onClock.Return(a);
        var b = onClock.Rent(TimeSpan.FromSeconds(30));
        Assert.NotSame(a, b);
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.True(b.IsCancellationRequested);
    }
}
