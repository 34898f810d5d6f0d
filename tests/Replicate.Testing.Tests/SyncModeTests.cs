using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Replicate.Testing.Tests;

public sealed class SyncModeTests
{
    [Fact]
    public async Task Prefer_wait_returns_the_finished_prediction_with_201()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
        using var client = TestHttp.Client(emulator);

        var (response, prediction) = await TestHttp.PostAsync(
            client, "models/meta/meta-llama-3-8b-instruct/predictions", """{"input":{"prompt":"sync","max_tokens":5}}""", ("Prefer", "wait"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("wait", Assert.Single(response.Headers.GetValues("Preference-Applied")));
        Assert.Equal("succeeded", prediction.Status());
        Assert.Equal(5, prediction.GetProperty("output").GetArrayLength());
        Assert.Equal("You said: sync. I'm a", string.Concat(prediction.GetProperty("output").EnumerateArray().Select(t => t.GetString())));
        Assert.NotNull(response.Headers.Location);
    }

    [Fact]
    public async Task Prefer_wait_n_echoes_the_preference_and_includes_failures()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (response, prediction) = await TestHttp.PostAsync(
            client, "models/replicate/failing-model/predictions", """{"input":{}}""", ("Prefer", "wait=5"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("wait=5", Assert.Single(response.Headers.GetValues("Preference-Applied")));
        Assert.Equal("failed", prediction.Status());
        Assert.Equal("E1000: simulated model failure", prediction.Str("error"));
    }

    [Fact]
    public async Task Slow_model_returns_202_when_the_wait_runs_out_then_completes()
    {
        var clock = new FakeTimeProvider();
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { TimeProvider = clock });
        using var client = TestHttp.Client(emulator);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        emulator.AddModel("acme/slow", async (_, context) =>
        {
            await release.Task.WaitAsync(context.CancellationToken);
            return "finally";
        });

        var pending = TestHttp.PostAsync(client, "models/acme/slow/predictions", """{"input":{}}""", ("Prefer", "wait=3"));

        // The wait runs on the emulator's clock: push it past 3 s until the response comes back.
        var limit = Stopwatch.StartNew();
        while (!pending.IsCompleted && limit.Elapsed < TimeSpan.FromSeconds(15))
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(20);
        }

        var (response, prediction) = await pending;
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("wait=3", Assert.Single(response.Headers.GetValues("Preference-Applied")));
        Assert.Contains(prediction.Status(), new[] { "starting", "processing" });
        Assert.Equal(JsonValueKind.Null, prediction.GetProperty("output").ValueKind);

        release.SetResult();
        var done = await TestHttp.WaitForStatusAsync(client, prediction.Id(), "succeeded");
        Assert.Equal("finally", done.Str("output"));
    }

    [Fact]
    public async Task Without_prefer_the_create_returns_at_once_with_201()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        emulator.AddModel("acme/slow", async (_, context) =>
        {
            await release.Task.WaitAsync(context.CancellationToken);
            return null;
        });

        var (response, prediction) = await TestHttp.PostAsync(client, "models/acme/slow/predictions", """{"input":{}}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False(response.Headers.Contains("Preference-Applied"));
        Assert.Contains(prediction.Status(), new[] { "starting", "processing" });
        release.SetResult();
    }

    [Theory]
    [InlineData("wait=0")]
    [InlineData("wait=100")]
    [InlineData("wait=05")]
    [InlineData("wait=abc")]
    [InlineData("wait=")]
    [InlineData("respond-async")]
    [InlineData("Wait")]
    public async Task Malformed_prefer_is_400(string prefer)
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (response, problem) = await TestHttp.PostAsync(
            client, "models/replicate/hello-world/predictions", """{"input":{"text":"x"}}""", ("Prefer", prefer));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Prefer", problem.Str("detail"), StringComparison.Ordinal);
        Assert.Equal(0, emulator.PredictionsCreated);
    }

    [Theory]
    [InlineData("wait=1")]
    [InlineData("wait=60")]
    [InlineData("wait=99")] // the spec's pattern admits 61-99
    public async Task Prefer_values_allowed_by_the_spec_pattern_are_accepted(string prefer)
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (response, prediction) = await TestHttp.PostAsync(
            client, "models/replicate/hello-world/predictions", """{"input":{"text":"x"}}""", ("Prefer", prefer));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("succeeded", prediction.Status());
        Assert.Equal("hello x", prediction.Str("output"));
    }
}
