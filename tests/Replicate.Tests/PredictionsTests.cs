using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Replicate.Testing;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

public class PredictionsTests
{
    private static EmulatorModel AddEcho(ReplicateEmulator emulator, Action<EmulatorModelOptions>? configure = null) =>
        emulator.AddModel("acme/echo", (input, _) => Task.FromResult<object?>(input), o =>
        {
            o.IsOfficial = false;
            configure?.Invoke(o);
        });

    [Fact]
    public async Task Create_OwnerName_PostsToTheModelsEndpoint_WithoutNulls()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var prediction = await h.Client.Predictions.CreateAsync("meta/meta-llama-3-8b-instruct", new { prompt = "hi" });

        var request = Assert.Single(h.Requests("POST", "/v1/"));
        Assert.Equal("/v1/models/meta/meta-llama-3-8b-instruct/predictions", request.Path);
        Assert.Equal("""{"input":{"prompt":"hi"}}""", request.Body);
        Assert.Equal("application/json", request.Headers["Content-Type"].Split(';')[0]);
        Assert.False(request.Headers.ContainsKey("Prefer"));
        Assert.Equal("meta/meta-llama-3-8b-instruct", prediction.Model);
        Assert.False(string.IsNullOrEmpty(prediction.Id));
    }

    [Fact]
    public async Task GetOutput_ReadsTheFilesOfAPredictionCreatedAndWaitedFor_AndRefusesUnfinishedOrFailedOnes()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var created = await h.Client.Predictions.CreateAsync("black-forest-labs/flux-schnell", new { prompt = "fox", num_outputs = 2 });
        var failed = await h.Client.Predictions.WaitAsync(await h.Client.Predictions.CreateAsync("replicate/failing-model", new { prompt = "x" }));

        var done = await h.Client.Predictions.WaitAsync(created);
        var files = h.Client.Predictions.GetOutput(done).AsFiles();

        Assert.Equal(2, files.Count);
        var png = await files[1].ReadAllBytesAsync();
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        h.Emulator.AddModel("acme/slow", async (_, context) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
            return "late";
        });
        var running = await h.Client.Predictions.CreateAsync("acme/slow", new { prompt = "owl" });
        Assert.Contains("wait for it", Assert.Throws<InvalidOperationException>(() => h.Client.Predictions.GetOutput(running)).Message, StringComparison.Ordinal);
        await h.Client.Predictions.CancelAsync(running.Id);

        Assert.Equal(failed.Id, Assert.Throws<PredictionFailedException>(() => h.Client.Predictions.GetOutput(failed)).PredictionId);
        Assert.Throws<ArgumentNullException>(() => h.Client.Predictions.GetOutput(null!));
    }

    [Fact]
    public async Task Create_OwnerNameVersion_PostsTheVersionIdToPredictions()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var echo = AddEcho(h.Emulator);

        var prediction = await h.Client.Predictions.CreateAsync($"acme/echo:{echo.VersionId}", new { text = "a" });

        var request = Assert.Single(h.Requests("POST", "/v1/"));
        Assert.Equal("/v1/predictions", request.Path);
        Assert.Equal("{\"version\":\"" + echo.VersionId + "\",\"input\":{\"text\":\"a\"}}", request.Body);
        Assert.Equal(echo.VersionId, prediction.Version);
    }

    [Fact]
    public async Task Create_BareVersionId_Works()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var echo = AddEcho(h.Emulator);
        var prediction = await h.Client.Predictions.CreateAsync(echo.VersionId, new { text = "a" });
        Assert.Equal("acme/echo", prediction.Model);
        Assert.Equal("/v1/predictions", Assert.Single(h.Requests("POST", "/v1/")).Path);
    }

    [Fact]
    public async Task Create_Options_BecomeHeadersAndBody()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var options = new PredictionOptions
        {
            Wait = TimeSpan.FromSeconds(4.2),
            CancelAfter = TimeSpan.FromMinutes(5),
            Webhook = new Uri("https://example.com/hook?x=1"),
            WebhookEventsFilter = [WebhookEventType.Start, WebhookEventType.Completed],
        };

        var prediction = await h.Client.Predictions.CreateAsync("meta/meta-llama-3-8b-instruct", new { prompt = "hi" }, options);

        var request = Assert.Single(h.Requests("POST", "/v1/"));
        Assert.Equal("wait=5", request.Headers["Prefer"]);
        Assert.Equal("300s", request.Headers["Cancel-After"]);
        Assert.Equal("""{"input":{"prompt":"hi"},"webhook":"https://example.com/hook?x=1","webhook_events_filter":["start","completed"]}""", request.Body);
        Assert.True(prediction.Status.IsTerminal);
        Assert.NotNull(prediction.Deadline);
        Assert.Equal(new Uri("https://example.com/hook?x=1"), prediction.Webhook);
    }

    [Fact]
    public async Task Create_InvalidArguments_FailBeforeAnyRequest()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var predictions = h.Client.Predictions;
        var cycle = new Node();
        cycle.Next = cycle;

        await Assert.ThrowsAsync<ArgumentNullException>(() => predictions.CreateAsync("a/b", null!));
        Assert.Contains("JSON object", (await Assert.ThrowsAsync<ArgumentException>(() => predictions.CreateAsync("a/b", "just text"))).Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => predictions.CreateAsync("a/b", new[] { 1, 2 }));
        await Assert.ThrowsAsync<ArgumentException>(() => predictions.CreateAsync("a/b", JsonNode.Parse("[1]")!));
        Assert.Contains("cannot be serialized", (await Assert.ThrowsAsync<ArgumentException>(() => predictions.CreateAsync("a/b", cycle))).Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => predictions.CreateAsync("a/b", new { }, new PredictionOptions { Wait = TimeSpan.FromSeconds(61) }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => predictions.CreateAsync("a/b", new { }, new PredictionOptions { CancelAfter = TimeSpan.FromSeconds(4) }));
        Assert.Equal("Webhook", (await Assert.ThrowsAsync<ArgumentException>(() => predictions.CreateAsync("a/b", new { }, new PredictionOptions { Webhook = new Uri("http://example.com/hook") }))).ParamName);
        await Assert.ThrowsAsync<ArgumentException>(() => predictions.CreateAsync("a/b", new { }, new PredictionOptions { Webhook = new Uri("/relative", UriKind.Relative) }));
        await Assert.ThrowsAsync<FormatException>(() => predictions.CreateAsync("not a model", new { }));
        await Assert.ThrowsAsync<ArgumentException>(() => predictions.GetAsync(" "));
        await Assert.ThrowsAsync<ArgumentException>(() => predictions.CreateAsync(default, new { }));

        Assert.Empty(h.Emulator.Requests);
    }

    [Fact]
    public async Task Create_AcceptsEveryInputShape_AndSnakeCasesPropertyNames()
    {
        await using var h = await EmulatorHarness.StartAsync();
        AddEcho(h.Emulator);
        var inputs = new object[]
        {
            new { prompt = "a", num_outputs = 2 },
            new Dictionary<string, object?> { ["prompt"] = "a", ["num_outputs"] = 2 },
            new EchoInput("a", 2),
            new JsonObject { ["prompt"] = "a", ["num_outputs"] = 2 },
            JsonDocument.Parse("""{"prompt":"a","num_outputs":2}""").RootElement,
        };

        foreach (var input in inputs)
        {
            await h.Client.Predictions.CreateAsync("acme/echo", input);
        }

        Assert.All(h.Requests("POST", "/v1/"), r => Assert.Equal("""{"input":{"prompt":"a","num_outputs":2}}""", r.Body));
    }

    [Fact]
    public async Task Get_UnknownPrediction_Is404()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Predictions.GetAsync("nope"));
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.NotNull(ex.Detail ?? ex.Title);
    }

    [Fact]
    public async Task Get_EscapesTheId()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Predictions.GetAsync("a b?c#d"));
        var request = Assert.Single(h.Emulator.Requests);
        Assert.Equal("/v1/predictions/a b?c#d", request.Path);
        Assert.Equal(string.Empty, request.Query);
    }

    [Fact]
    public async Task Cancel_StopsARunningPrediction()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/slow", async (_, ctx) =>
        {
            await ctx.DelayAsync(TimeSpan.FromMinutes(10));
            return "never";
        });
        var prediction = await h.Client.Predictions.CreateAsync("acme/slow", new { });

        var canceled = await h.Client.Predictions.CancelAsync(prediction.Id);
        canceled = await h.Client.Predictions.WaitAsync(canceled);

        Assert.Equal(PredictionStatus.Canceled, canceled.Status);
        Assert.Equal($"/v1/predictions/{prediction.Id}/cancel", Assert.Single(h.Requests("POST", "/v1/predictions/")).Path);
    }

    [Fact]
    public async Task Wait_PollsUntilTerminal_ReportingProgress()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var release = new TaskCompletionSource();
        h.Emulator.AddModel("acme/gated", async (_, ctx) =>
        {
            ctx.Log("  50%|█████     | 1/2 [00:00<00:00]");
            await release.Task.WaitAsync(ctx.CancellationToken);
            return "done";
        });
        var prediction = await h.Client.Predictions.CreateAsync("acme/gated", new { });
        var progress = new RecordingProgress<Prediction>();

        var wait = h.Client.Predictions.WaitAsync(prediction, progress);
        await RetryTests.WaitUntil(() => progress.Items.Any(p => p.Progress is not null));
        release.SetResult();
        var final = await wait;

        Assert.Equal(PredictionStatus.Succeeded, final.Status);
        Assert.Equal(new PredictionProgress(0.5, 1, 2), progress.Items.First(p => p.Progress is not null).Progress);
        Assert.Same(final, progress.Items[^1]);
        Assert.True(h.Requests("GET", "/v1/predictions/").Count >= 2);
    }

    [Fact]
    public async Task ListAndEnumerate_FollowCursorsAcrossEveryPage()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.PageSize = 10);
        AddEcho(h.Emulator);
        for (var i = 0; i < 25; i++)
        {
            await h.Client.Predictions.CreateAsync("acme/echo", new { i });
        }

        var first = await h.Client.Predictions.ListAsync();
        Assert.Equal(10, first.Results.Count);
        Assert.NotNull(first.Next);
        var second = await h.Client.Predictions.ListAsync(first.Next);
        Assert.Equal(10, second.Results.Count);
        Assert.Empty(first.Results.Select(p => p.Id).Intersect(second.Results.Select(p => p.Id)));

        var all = new List<Prediction>();
        await foreach (var p in h.Client.Predictions.EnumerateAsync())
        {
            all.Add(p);
        }

        Assert.Equal(25, all.Select(p => p.Id).Distinct().Count());
        Assert.True(all.Zip(all.Skip(1)).All(pair => pair.First.CreatedAt >= pair.Second.CreatedAt), "newest first");
    }

    [Fact]
    public async Task Enumerate_IsLazy()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.PageSize = 2);
        AddEcho(h.Emulator);
        for (var i = 0; i < 6; i++)
        {
            await h.Client.Predictions.CreateAsync("acme/echo", new { i });
        }

        h.Emulator.ClearRequests();
        await foreach (var _ in h.Client.Predictions.EnumerateAsync())
        {
            break;
        }

        Assert.Single(h.Requests("GET", "/v1/predictions"));
    }

    [Fact]
    public async Task List_SendsCreatedFilters()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var after = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.FromHours(2));
        await h.Client.Predictions.ListAsync(createdAfter: after, createdBefore: after.AddDays(1));
        var request = Assert.Single(h.Emulator.Requests);
        Assert.Equal("?created_after=2026-01-02T01%3A04%3A05Z&created_before=2026-01-03T01%3A04%3A05Z", request.Query);
    }

    [Fact]
    public async Task List_FiltersBySource_AsAStringBackedOption_AndEnumerateKeepsTheFilter()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.PageSize = 2);
        AddEcho(h.Emulator);
        await h.Client.Predictions.CreateAsync("acme/echo", new { i = 1 });
        h.Emulator.ClearRequests();

        // Every emulator prediction comes from the API, so the website's predictions are none of them.
        var web = await h.Client.Predictions.ListAsync(source: PredictionSource.Web);
        var all = await h.Client.Predictions.ListAsync();
        var enumerated = new List<Prediction>();
        await foreach (var p in h.Client.Predictions.EnumerateAsync(createdAfter: new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), source: "web"))
        {
            enumerated.Add(p);
        }

        Assert.Empty(web.Results);
        Assert.Single(all.Results);
        Assert.Empty(enumerated);
        var requests = h.Requests("GET", "/v1/predictions");
        Assert.Equal(["?source=web", "", "?created_after=2020-01-01T00%3A00%3A00Z&source=web"], requests.Select(r => r.Query));
        Assert.Equal("later", new PredictionSource("later").Value);
        await Assert.ThrowsAsync<ArgumentException>(() => h.Client.Predictions.ListAsync(source: new PredictionSource(" ")));
        Assert.Equal(3, h.Emulator.Requests.Count);
    }

    [Fact]
    public async Task List_RejectsACursorOnAnotherHost()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => h.Client.Predictions.ListAsync("https://evil.example.com/v1/predictions?cursor=abc"));
        Assert.Contains("evil.example.com", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Emulator.Requests);
    }

    [Fact]
    public async Task EnumerateOutput_YieldsIteratorPiecesAsTheyArrive()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var gate = new SemaphoreSlim(0);
        h.Emulator.AddModel("acme/iterator", async (_, ctx) =>
        {
            for (var i = 0; i < 3; i++)
            {
                ctx.Output($"piece{i} ");
                await gate.WaitAsync(ctx.CancellationToken);
            }

            return null;
        });
        var prediction = await h.Client.Predictions.CreateAsync("acme/iterator", new { });

        var pieces = new List<string>();
        await foreach (var piece in h.Client.Predictions.EnumerateOutputAsync(prediction))
        {
            pieces.Add(piece.GetString()!);
            gate.Release();
        }

        Assert.Equal(["piece0 ", "piece1 ", "piece2 "], pieces);
    }

    private sealed record EchoInput(string Prompt, int NumOutputs);

    private sealed class Node
    {
        public Node? Next { get; set; }
    }
}
