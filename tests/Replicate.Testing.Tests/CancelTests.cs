using System.Net;
using Microsoft.Extensions.Time.Testing;
using Replicate.Tests.Infrastructure;

namespace Replicate.Testing.Tests;

public sealed class CancelTests
{
    [Fact]
    public async Task Cancel_stops_a_running_prediction_and_its_handler()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        var handlerCanceled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        emulator.AddModel("acme/forever", async (_, context) =>
        {
            context.CancellationToken.Register(() => handlerCanceled.TrySetResult());
            await context.DelayAsync(TimeSpan.FromHours(1));
            return null;
        });

        var (_, created) = await TestHttp.PostAsync(client, "models/acme/forever/predictions", """{"input":{}}""");
        await TestHttp.WaitForStatusAsync(client, created.Id(), "processing");

        using var response = await client.PostAsync(new Uri("predictions/" + created.Id() + "/cancel", UriKind.Relative), null);
        var canceled = await TestHttp.JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("canceled", canceled.Status());
        Assert.True(canceled.TryGetProperty("completed_at", out _));
        await handlerCanceled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("canceled", (await TestHttp.GetJsonAsync(client, "predictions/" + created.Id())).Status());
    }

    [Fact]
    public async Task Cancel_of_a_finished_prediction_returns_it_unchanged()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (_, done) = await TestHttp.PostAsync(client, "models/replicate/hello-world/predictions", """{"input":{"text":"x"}}""", ("Prefer", "wait"));
        using var response = await client.PostAsync(new Uri("predictions/" + done.Id() + "/cancel", UriKind.Relative), null);
        var after = await TestHttp.JsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("succeeded", after.Status());
        Assert.Equal(done.Str("completed_at"), after.Str("completed_at"));
        Assert.Equal("hello x", after.Str("output"));
    }

    [Fact]
    public async Task Cancel_unknown_prediction_is_404()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        using var response = await client.PostAsync(new Uri("predictions/nope/cancel", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("30s", 30)]
    [InlineData("5m", 300)]
    [InlineData("1h30m45s", 5445)]
    [InlineData("2h", 7200)]
    [InlineData("90", 90)]
    [InlineData("5", 5)]
    public async Task Cancel_after_sets_the_deadline(string header, int seconds)
    {
        var clock = new FakeTimeProvider();
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { TimeProvider = clock });
        using var client = TestHttp.Client(emulator);

        var (response, prediction) = await TestHttp.PostAsync(
            client, "models/replicate/hello-world/predictions", """{"input":{"text":"x"}}""", ("Cancel-After", header));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = DateTimeOffset.Parse(prediction.Str("created_at"), System.Globalization.CultureInfo.InvariantCulture);
        var deadline = DateTimeOffset.Parse(prediction.Str("deadline"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromSeconds(seconds), deadline - created);
        Assert.EndsWith("Z", prediction.Str("deadline"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4s")]
    [InlineData("4")]
    [InlineData("0")]
    [InlineData("abc")]
    [InlineData("5x")]
    [InlineData("s")]
    [InlineData("30s5m")]
    [InlineData("-10s")]
    [InlineData("1.5m")]
    public async Task Invalid_or_too_short_cancel_after_is_400(string header)
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (response, problem) = await TestHttp.PostAsync(
            client, "models/replicate/hello-world/predictions", """{"input":{"text":"x"}}""", ("Cancel-After", header));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Cancel-After", problem.Str("detail"), StringComparison.Ordinal);
        Assert.Equal(0, emulator.PredictionsCreated);
    }

    [Fact]
    public async Task Deadline_passing_while_starting_aborts_the_prediction()
    {
        var clock = new FakeTimeProvider();
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { TimeProvider = clock });
        using var client = TestHttp.Client(emulator);
        var ran = false;
        emulator.AddModel("acme/queued", (_, _) => { ran = true; return Task.FromResult<object?>("ran"); }, o => o.StartDelay = TimeSpan.FromMinutes(10));

        var (_, created) = await TestHttp.PostAsync(client, "models/acme/queued/predictions", """{"input":{}}""", ("Cancel-After", "5s"));
        Assert.Equal("starting", created.Status());

        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal("starting", (await TestHttp.GetJsonAsync(client, "predictions/" + created.Id())).Status());
        clock.Advance(TimeSpan.FromSeconds(1));

        var aborted = await TestHttp.WaitForTerminalAsync(client, created.Id());
        Assert.Equal("aborted", aborted.Status());
        Assert.False(aborted.TryGetProperty("started_at", out _));
        Assert.Equal(created.Str("deadline"), aborted.Str("completed_at"));

        clock.Advance(TimeSpan.FromMinutes(20)); // the start delay would have ended by now
        await Task.Delay(50);
        Assert.False(ran);
        Assert.Equal("aborted", (await TestHttp.GetJsonAsync(client, "predictions/" + created.Id())).Status());
    }

    [Fact]
    public async Task Deadline_passing_while_processing_cancels_the_prediction()
    {
        var clock = new FakeTimeProvider();
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { TimeProvider = clock });
        using var client = TestHttp.Client(emulator);
        var handlerCanceled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        emulator.AddModel("acme/long", async (_, context) =>
        {
            context.CancellationToken.Register(() => handlerCanceled.TrySetResult());
            context.Log("working");
            await context.DelayAsync(TimeSpan.FromHours(1));
            return "never";
        });

        var (_, created) = await TestHttp.PostAsync(client, "models/acme/long/predictions", """{"input":{}}""", ("Cancel-After", "1m"));
        // Wait for the log line, not just "processing": the handler may not have reached it yet.
        await TestHttp.WaitForAsync(client, created.Id(), p => p.Str("logs") == "working\n");

        clock.Advance(TimeSpan.FromMinutes(1));

        var canceled = await TestHttp.WaitForTerminalAsync(client, created.Id());
        Assert.Equal("canceled", canceled.Status());
        Assert.Equal("working\n", canceled.Str("logs"));
        await handlerCanceled.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Start_delay_keeps_a_prediction_starting_until_the_clock_moves()
    {
        var clock = new TestClock();
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { TimeProvider = clock });
        using var client = TestHttp.Client(emulator);
        emulator.AddModel("acme/cold", (_, _) => Task.FromResult<object?>("warm"), o => o.StartDelay = TimeSpan.FromSeconds(30));

        var (_, created) = await TestHttp.PostAsync(client, "models/acme/cold/predictions", """{"input":{}}""");
        await TestHttp.EventuallyAsync(() => clock.PendingTimers > 0, "the start delay is scheduled");
        Assert.Equal("starting", (await TestHttp.GetJsonAsync(client, "predictions/" + created.Id())).Status());

        clock.Advance(TimeSpan.FromSeconds(30));

        var done = await TestHttp.WaitForStatusAsync(client, created.Id(), "succeeded");
        var metrics = done.GetProperty("metrics");
        Assert.Equal(30, metrics.GetProperty("total_time").GetDouble());
        Assert.Equal(0, metrics.GetProperty("predict_time").GetDouble());
    }
}
