using Replicate.Testing;
using Replicate.Tests.Infrastructure;
using static Replicate.Tests.Infrastructure.ScriptedApi;

namespace Replicate.Tests;

public class RunTests
{
    [Fact]
    public async Task Run_TextModel_UsesSyncWait_AndJoinsTokens()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var output = await h.Client.RunAsync("meta/meta-llama-3-8b-instruct", new { prompt = "Tell me a joke" });

        Assert.StartsWith("You said: Tell me a joke.", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(PredictionStatus.Succeeded, output.Prediction.Status);
        var create = Assert.Single(h.Requests("POST", "/v1/"));
        Assert.Equal("wait=60", create.Headers["Prefer"]);
        Assert.Empty(h.Requests("GET", "/v1/predictions/"));
    }

    [Fact]
    public async Task Run_ManyModels_EachGoesToItsOwnUrl_AsTheCreateUrlCacheFillsAndStartsOver()
    {
        await using var h = await EmulatorHarness.StartAsync();

        // 300 models: past the 256 create URLs a client keeps, so its cache starts over once on the way.
        const int Models = 300;
        var first = h.Emulator.AddModel("acme/model-0", (_, _) => Task.FromResult<object?>("0"));
        for (var i = 1; i < Models; i++)
        {
            var answer = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            h.Emulator.AddModel($"acme/model-{answer}", (_, _) => Task.FromResult<object?>(answer));
        }

        for (var i = 0; i < Models; i++)
        {
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), (await h.Client.RunAsync($"acme/model-{i}", new { })).AsString());
        }

        Assert.Equal("0", (await h.Client.RunAsync("acme/model-0", new { })).AsString());
        Assert.Equal("0", (await h.Client.RunAsync($"acme/model-0:{first.VersionId}", new { })).AsString());
        Assert.Equal("0", (await h.Client.RunAsync($"acme/model-0:{first.VersionId}", new { })).AsString());

        var creates = h.Requests("POST", "/v1/");
        Assert.Equal(Models + 3, creates.Count);
        for (var i = 0; i < Models; i++)
        {
            Assert.Equal($"/v1/models/acme/model-{i}/predictions", creates[i].Path);
        }

        Assert.Equal("/v1/models/acme/model-0/predictions", creates[Models].Path);
        Assert.All(creates.Skip(Models + 1), c =>
        {
            Assert.Equal("/v1/predictions", c.Path);
            Assert.Contains(first.VersionId, c.Body, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Runs_OfOneModel_SendTheSameUriInstance_SoItsPartsAreWorkedOutOnce()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var model = h.Emulator.AddModel("acme/same", (_, _) => Task.FromResult<object?>("ok"));
        var sent = new System.Collections.Concurrent.ConcurrentQueue<Uri>();
        var options = new ReplicateClientOptions { ApiToken = h.Emulator.ApiToken, BaseAddress = h.Emulator.BaseAddress };
        using var http = new HttpClient(ReplicateClient.CreateHttpMessageHandler(options, new CreateUriRecorder(sent)));
        using var client = new ReplicateClient(http, options);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("ok", (await client.RunAsync("acme/same", new { })).AsString());
        }

        for (var i = 0; i < 2; i++)
        {
            Assert.Equal("ok", (await client.RunAsync($"acme/same:{model.VersionId}", new { })).AsString());
        }

        // A new Uri per call made the connection pool and the request writer work out its host and path again each time.
        var uris = sent.ToArray();
        Assert.Equal(5, uris.Length);
        Assert.Equal(h.Emulator.BaseAddress + "models/acme/same/predictions", uris[0].AbsoluteUri);
        Assert.Same(uris[0], uris[1]);
        Assert.Same(uris[0], uris[2]);
        Assert.Equal(h.Emulator.BaseAddress + "predictions", uris[3].AbsoluteUri);
        Assert.Same(uris[3], uris[4]);
    }

    [Fact]
    public async Task Run_WaitZero_CreatesThenPolls()
    {
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.Wait = TimeSpan.Zero);
        var output = await h.Client.RunAsync("replicate/hello-world", new { text = "Alice" });
        Assert.Equal("hello Alice", output.AsString());
        Assert.False(Assert.Single(h.Requests("POST", "/v1/")).Headers.ContainsKey("Prefer"));
    }

    [Fact]
    public async Task Run_SyncWaitTimesOut_ThenFallsBackToPolling()
    {
        await using var h = await EmulatorHarness.StartAsync();
        // The model ends only once the client polls, so the 1 s sync wait runs out first however slowly the create travels
        // (a model running a fixed 1.5 s left a 0.5 s margin). Bounded: a client that never polls fails the asserts below.
        h.Emulator.AddModel("acme/slow", async (_, ctx) =>
        {
            var waited = System.Diagnostics.Stopwatch.StartNew();
            for (var i = 0; i < 3000 && waited.Elapsed < TimeSpan.FromSeconds(30) && h.Requests("GET", "/v1/predictions/").Count == 0; i++)
            {
                await ctx.DelayAsync(TimeSpan.FromMilliseconds(10));
            }

            return "finally";
        });

        var output = await h.Client.RunAsync("acme/slow", new { }, new PredictionOptions { Wait = TimeSpan.FromSeconds(1) });

        Assert.Equal("finally", output.AsString());
        Assert.Equal("wait=1", Assert.Single(h.Requests("POST", "/v1/")).Headers["Prefer"]);
        Assert.NotEmpty(h.Requests("GET", "/v1/predictions/"));
    }

    [Fact]
    public async Task Run_FailedModel_ThrowsPredictionFailedException_WithErrorAndLogs()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var ex = await Assert.ThrowsAsync<PredictionFailedException>(() => h.Client.RunAsync("replicate/failing-model", new { }));

        Assert.Equal(PredictionStatus.Failed, ex.Status);
        Assert.Contains("E1000", ex.Error, StringComparison.Ordinal);
        Assert.Contains("Loading weights", ex.Logs, StringComparison.Ordinal);
        Assert.Contains(ex.PredictionId, ex.Message, StringComparison.Ordinal);
        Assert.Contains("E1000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_CanceledByTheCaller_CancelsThePredictionOnTheServer()
    {
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.Wait = TimeSpan.Zero);
        h.Emulator.AddModel("acme/slow", async (_, ctx) =>
        {
            await ctx.DelayAsync(TimeSpan.FromMinutes(10));
            return "never";
        });
        using var cts = new CancellationTokenSource();
        var progress = new RecordingProgress<Prediction>();

        var run = h.Client.RunAsync("acme/slow", new { }, progress: progress, cancellationToken: cts.Token);
        await RetryTests.WaitUntil(() => progress.Items.Count > 0);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        var id = progress.Items[0].Id;
        Assert.Single(h.Requests("POST", $"/v1/predictions/{id}/cancel"));
        Assert.Equal(PredictionStatus.Canceled, (await h.Client.Predictions.GetAsync(id)).Status);
    }

    [Fact]
    public async Task Run_CancelOnAbandonOff_LeavesThePredictionRunning()
    {
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.Wait = TimeSpan.Zero);
        h.Emulator.AddModel("acme/slow", async (_, ctx) =>
        {
            await ctx.DelayAsync(TimeSpan.FromMinutes(10));
            return "never";
        });
        using var cts = new CancellationTokenSource();
        var progress = new RecordingProgress<Prediction>();

        var run = h.Client.RunAsync("acme/slow", new { }, new PredictionOptions { CancelOnAbandon = false }, progress, cts.Token);
        await RetryTests.WaitUntil(() => progress.Items.Count > 0);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.Empty(h.Requests("POST", "/v1/predictions/"));
    }

    [Fact]
    public async Task Run_DeadlinePassesWhileQueued_IsAborted_AndTerminal()
    {
        var time = new TestClock();
        await using var h = await EmulatorHarness.StartAsync(
            o => o.TimeProvider = time,
            o => o.Wait = TimeSpan.Zero);
        h.Emulator.AddModel("acme/queued", (_, _) => Task.FromResult<object?>("never"), o => o.StartDelay = TimeSpan.FromMinutes(1));

        var run = h.Client.RunAsync("acme/queued", new { }, new PredictionOptions { CancelAfter = TimeSpan.FromSeconds(5) });
        await RetryTests.WaitUntil(() => h.Requests("GET", "/v1/predictions/").Count > 0);
        time.Advance(TimeSpan.FromSeconds(6));

        var ex = await Assert.ThrowsAsync<PredictionFailedException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(PredictionStatus.Aborted, ex.Status);
        Assert.Contains("aborted", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownTerminalStatus_DoesNotHang()
    {
        using var server = Start();
        server.Given(Api("models/acme/echo/predictions", "POST")).RespondWith(Json(201, Prediction(status: "starting", output: "null")));
        server.Given(Api("predictions/p1")).RespondWith(Json(200, Prediction(status: "hibernating", output: "null")));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);

        var ex = await Assert.ThrowsAsync<PredictionFailedException>(() => clock.RunAsync(client.RunAsync("acme/echo", new { })));

        Assert.Equal("hibernating", ex.Status.Value);
        Assert.Equal(2, server.LogEntries.Count);
    }

    [Fact]
    public async Task Run_ReportsProgress_FromTqdmLogs()
    {
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.Wait = TimeSpan.Zero);
        var progress = new RecordingProgress<Prediction>();

        await h.Client.RunAsync("black-forest-labs/flux-schnell", new { prompt = "a cat" }, progress: progress);

        Assert.Equal(PredictionStatus.Starting, progress.Items[0].Status);
        Assert.Equal(PredictionStatus.Succeeded, progress.Items[^1].Status);
        Assert.Equal(1.0, progress.Items[^1].Progress!.Percentage);
        Assert.Equal(progress.Items[^1].Progress!.Total, progress.Items[^1].Progress!.Current);
    }

    [Fact]
    public async Task Run_SyncWaitAttemptTimeout_IsAboveTheWait()
    {
        // A fake clock that never fires the attempt timeout on its own: if the SDK used the 100 s default below a
        // longer wait, or a timeout below the wait, the create would fail; here it must simply complete.
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.RequestTimeout = TimeSpan.FromSeconds(2));
        h.Emulator.AddModel("acme/three-seconds", async (_, ctx) =>
        {
            await ctx.DelayAsync(TimeSpan.FromSeconds(2.5));
            return "ok";
        });

        var output = await h.Client.RunAsync("acme/three-seconds", new { }, new PredictionOptions { Wait = TimeSpan.FromSeconds(5) });

        Assert.Equal("ok", output.AsString());
        Assert.Single(h.Requests("POST", "/v1/"));
    }

    [Fact]
    public async Task NegativeWait_IsRejectedByRunAndStream_LikeByCreate_BeforeAnythingIsSent()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var negative = new PredictionOptions { Wait = TimeSpan.FromSeconds(-1) };

        var create = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Client.Predictions.CreateAsync("replicate/hello-world", new { text = "x" }, negative));
        var run = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Client.RunAsync("replicate/hello-world", new { text = "x" }, negative));
        var stream = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
        {
            await foreach (var _ in h.Client.StreamAsync("meta/meta-llama-3-8b-instruct", new { prompt = "x" }, negative))
            {
            }
        });

        Assert.All(new[] { create, run, stream }, ex => Assert.Equal(nameof(PredictionOptions.Wait), ex.ParamName));
        Assert.Empty(h.Emulator.Requests);
    }

    /// <summary>Records the <see cref="Uri"/> instance of every create (POST) on its way to the socket.</summary>
    private sealed class CreateUriRecorder(System.Collections.Concurrent.ConcurrentQueue<Uri> sent) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post)
            {
                sent.Enqueue(request.RequestUri!);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
