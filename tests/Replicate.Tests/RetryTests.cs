using System.Net;
using Microsoft.AspNetCore.Http;
using Replicate.Tests.Infrastructure;
using static Replicate.Tests.Infrastructure.ScriptedResponses;

namespace Replicate.Tests;

public class RetryTests
{
    [Fact]
    public async Task Get_RetriesServerErrors_WithExponentialBackoff()
    {
        await using var server = await ScriptedServer.StartAsync((context, n) => n <= 3
            ? Json(context, new[] { 500, 502, 503 }[n - 1], """{"detail":"boom"}""", "application/problem+json")
            : Json(context, 200, Prediction()));
        var time = new FakeTimeProvider();
        using var client = Client(server.BaseAddress, time);

        var prediction = await client.Predictions.GetAsync("p1");

        Assert.Equal("p1", prediction.Id);
        Assert.Equal(4, server.Requests.Count);
        var backoffs = time.Delays.Where(d => d < TimeSpan.FromSeconds(31)).ToList();
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
        await using var server = await ScriptedServer.StartAsync((context, n) => n == 1 ? Json(context, status, "{}") : Json(context, 200, Prediction()));
        using var client = Client(server.BaseAddress);
        await client.Predictions.GetAsync("p1");
        Assert.Equal(2, server.Requests.Count);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(422)]
    public async Task Get_DoesNotRetryClientErrors(int status)
    {
        await using var server = await ScriptedServer.StartAsync((context, _) => Json(context, status, """{"detail":"no"}"""));
        using var client = Client(server.BaseAddress);
        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => client.Predictions.GetAsync("p1"));
        Assert.Equal((HttpStatusCode)status, ex.StatusCode);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Create_ThrottledIsRetried_HonouringRetryAfterSeconds_AndCreatesOnce()
    {
        await using var server = await ScriptedServer.StartAsync((context, n) =>
        {
            if (n == 1)
            {
                context.Response.Headers.RetryAfter = "2";
                return Json(context, 429, """{"detail":"Request was throttled. Expected available in 2 seconds."}""");
            }

            return Json(context, 201, Prediction());
        });
        var time = new FakeTimeProvider();
        using var client = Client(server.BaseAddress, time);

        await client.Predictions.CreateAsync("acme/echo", new { text = "hi" });

        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(server.Requests[0].Body, server.Requests[1].Body);
        Assert.Contains(TimeSpan.FromSeconds(2), time.Delays);
    }

    [Fact]
    public async Task RetryAfterHttpDate_IsHonoured()
    {
        var time = new FakeTimeProvider();
        await using var server = await ScriptedServer.StartAsync((context, n) =>
        {
            if (n == 1)
            {
                context.Response.Headers.RetryAfter = time.GetUtcNow().AddSeconds(7).ToString("R");
                return Json(context, 503, "{}");
            }

            return Json(context, 200, Prediction());
        });
        using var client = Client(server.BaseAddress, time);

        await client.Predictions.GetAsync("p1");

        Assert.Contains(TimeSpan.FromSeconds(7), time.Delays);
    }

    [Theory]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    [InlineData(408)]
    public async Task Create_ServerErrorIsNotRetried_BecauseThePredictionMayExist(int status)
    {
        await using var server = await ScriptedServer.StartAsync((context, _) => Json(context, status, """{"detail":"oops"}"""));
        using var client = Client(server.BaseAddress);

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => client.Predictions.CreateAsync("acme/echo", new { text = "hi" }));

        Assert.Equal((HttpStatusCode)status, ex.StatusCode);
        Assert.Single(server.Requests);
        Assert.Equal(1, ex.Attempts);
    }

    [Fact]
    public async Task RetryAfterAboveTheCap_SurfacesInsteadOfSleeping()
    {
        await using var server = await ScriptedServer.StartAsync((context, _) =>
        {
            context.Response.Headers.RetryAfter = "3600";
            return Json(context, 429, """{"detail":"Your rate limit resets in ~3600s."}""");
        });
        var time = new FakeTimeProvider();
        using var client = Client(server.BaseAddress, time, maxRetryDelay: TimeSpan.FromSeconds(30));

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => client.Predictions.GetAsync("p1"));

        Assert.Equal(HttpStatusCode.TooManyRequests, ex.StatusCode);
        Assert.Equal(TimeSpan.FromHours(1), ex.RetryAfter);
        Assert.Single(server.Requests);
        Assert.DoesNotContain(time.Delays, d => d >= TimeSpan.FromSeconds(30) && d < TimeSpan.FromSeconds(100));
        Assert.Contains("retry after 3600 s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExhaustedRetries_ReportTheAttemptCount()
    {
        await using var server = await ScriptedServer.StartAsync((context, _) => Json(context, 503, """{"title":"Unavailable","detail":"down"}""", "application/problem+json"));
        using var client = Client(server.BaseAddress, maxRetries: 2);

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => client.Predictions.GetAsync("p1"));

        Assert.Equal(3, ex.Attempts);
        Assert.Equal(3, server.Requests.Count);
        Assert.Contains("after 3 attempts", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MaxRetriesZero_DisablesRetries()
    {
        await using var server = await ScriptedServer.StartAsync((context, _) => Json(context, 503, "{}"));
        using var client = Client(server.BaseAddress, maxRetries: 0);
        await Assert.ThrowsAsync<ReplicateApiException>(() => client.Predictions.GetAsync("p1"));
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task Get_ConnectionReset_IsRetried()
    {
        await using var server = await ScriptedServer.StartAsync((context, n) =>
        {
            if (n == 1)
            {
                context.Abort();
                return Task.CompletedTask;
            }

            return Json(context, 200, Prediction());
        });
        using var client = Client(server.BaseAddress);
        await client.Predictions.GetAsync("p1");
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task Create_ConnectionReset_IsNotRetried()
    {
        await using var server = await ScriptedServer.StartAsync((context, _) =>
        {
            context.Abort();
            return Task.CompletedTask;
        });
        using var client = Client(server.BaseAddress);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.Predictions.CreateAsync("acme/echo", new { text = "hi" }));
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task ConnectionRefused_OnAClosedPort_IsRetriedThenSurfaces()
    {
        Uri closed;
        await using (var server = await ScriptedServer.StartAsync((context, _) => Task.CompletedTask))
        {
            closed = server.BaseAddress;
        }

        var time = new FakeTimeProvider();
        using var client = Client(closed, time, maxRetries: 2);
        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.Predictions.GetAsync("p1"));
        Assert.Equal(2, time.Delays.Count(d => d < TimeSpan.FromSeconds(31)));
        Assert.Contains("GET /v1/predictions/p1 failed after 3 attempts", ex.Message, StringComparison.Ordinal);
        Assert.Equal(HttpRequestError.ConnectionError, ex.HttpRequestError);
    }

    [Fact]
    public async Task AttemptTimeout_FiresOnAServerThatNeverAnswers_AndGetsRetried()
    {
        var gate = new TaskCompletionSource();
        await using var server = await ScriptedServer.StartAsync(async (context, n) =>
        {
            if (n == 1)
            {
                await Task.WhenAny(gate.Task, Task.Delay(Timeout.Infinite, context.RequestAborted));
                return;
            }

            await Json(context, 200, Prediction());
        });
        var time = new FakeTimeProvider();
        using var client = Client(server.BaseAddress, time);

        var get = client.Predictions.GetAsync("p1");
        await WaitUntil(() => server.Requests.Count == 1 && time.PendingTimers > 0);
        time.Advance(TimeSpan.FromSeconds(101));

        var prediction = await get.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("p1", prediction.Id);
        Assert.Equal(2, server.Requests.Count);
        gate.SetResult();
    }

    [Fact]
    public async Task AttemptTimeout_OnACreate_SurfacesAsTimeoutException_WithoutRetrying()
    {
        await using var server = await ScriptedServer.StartAsync(async (context, _) => await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }));
        var time = new FakeTimeProvider();
        using var client = Client(server.BaseAddress, time);

        var create = client.Predictions.CreateAsync("acme/echo", new { text = "hi" });
        await WaitUntil(() => server.Requests.Count == 1 && time.PendingTimers > 0);
        time.Advance(TimeSpan.FromSeconds(101));

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => create.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("RequestTimeout", ex.Message, StringComparison.Ordinal);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task CallerCancellation_DuringBackoff_EndsPromptly()
    {
        await using var server = await ScriptedServer.StartAsync((context, _) => Json(context, 503, "{}"));
        var time = new FakeTimeProvider { AutoAdvanceLimit = TimeSpan.Zero };
        using var client = Client(server.BaseAddress, time);
        using var cts = new CancellationTokenSource();

        var get = client.Predictions.GetAsync("p1", cts.Token);
        await WaitUntil(() => server.Requests.Count == 1 && time.Delays.Any(d => d < TimeSpan.FromSeconds(31)));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => get.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Single(server.Requests);
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!condition())
        {
            await Task.Delay(5, timeout.Token);
        }
    }
}
