using System.Text.Json;
using System.Threading.RateLimiting;
using Replicate.Testing;
using Replicate.Tests.Infrastructure;
using Replicate.Tests.Models;

namespace Replicate.Tests;

/// <summary>RunBatchAsync against the emulator: every item once, order, failures, bad inputs and the journal.</summary>
public sealed class BatchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("replicate-batch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>acme/echo answers its input's <c>n</c> after a delay that varies by item, and fails every 50th item from 7.</summary>
    private static void AddEcho(ReplicateEmulator emulator) =>
        emulator.AddModel("acme/echo", async (input, ctx) =>
        {
            var n = input.GetProperty("n").GetInt32();
            await ctx.DelayAsync(TimeSpan.FromMilliseconds(n * 7 % 13));
            return n % 50 == 7 ? throw new ModelFailedException($"item {n} fails") : n;
        });

    private static Task<EmulatorHarness> StartAsync(int createsPerMinute = 12_000) => EmulatorHarness.StartAsync(
        e => e.RateLimits = new EmulatorRateLimits { CreatesPerMinute = createsPerMinute, RequestsPerMinute = 120_000 });

    private static BatchOptions Options(int concurrency = 32, int createsPerMinute = 12_000) => new()
    {
        MaxConcurrency = concurrency,
        RateLimits = new RateLimitOptions { CreatesPerMinute = createsPerMinute, RequestsPerMinute = 120_000 },
    };

    private static async Task<List<BatchResult<PredictionOutput>>> CollectAsync(IAsyncEnumerable<BatchResult<PredictionOutput>> results)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var list = new List<BatchResult<PredictionOutput>>();
        await foreach (var result in results.WithCancellation(timeout.Token))
        {
            list.Add(result);
        }

        return list;
    }

    private static IEnumerable<object?> Inputs(int count) => Enumerable.Range(0, count).Select(n => (object?)new { n });

    [Fact]
    public async Task FiveHundredItems_AtConcurrency32_EachHaveExactlyOneResult_InCompletionOrder_AndFailuresNameTheirIndex()
    {
        await using var h = await StartAsync();
        AddEcho(h.Emulator);
        var progress = new RecordingProgress<BatchProgress>();
        var options = Options();
        options.Progress = progress;
        options.TotalCount = 500;

        var results = await CollectAsync(h.Client.RunBatchAsync("acme/echo", Inputs(500), options));

        Assert.Equal(500, results.Count);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), results.Select(r => r.Index).Order());
        Assert.Equal(500, h.Emulator.PredictionsCreated);
        Assert.Equal(500, results.Select(r => r.Prediction!.Id).Distinct().Count());
        Assert.Equal(0, h.Emulator.ThrottledResponses);
        Assert.NotEqual(Enumerable.Range(0, 500).Select(i => (long)i), results.Select(r => r.Index));   // completion order, not input order
        foreach (var result in results)
        {
            if (result.Index % 50 == 7)
            {
                var failed = Assert.IsType<PredictionFailedException>(result.Error);
                Assert.Contains($"item {result.Index} fails", failed.Message, StringComparison.Ordinal);
                Assert.False(result.Succeeded);
            }
            else
            {
                Assert.True(result.Succeeded, result.ToString());
                Assert.Equal(result.Index, result.Output!.Json.GetInt64());
                Assert.Equal(result.Index, result.Prediction!.Input!.Value.GetProperty("n").GetInt64());
            }
        }

        var last = progress.Items[^1];
        Assert.Equal(490, last.Succeeded);
        Assert.Equal(10, last.Failed);
        Assert.Equal(500, last.Created);
        Assert.Equal(0, last.InFlight);
        Assert.All(progress.Items, p => Assert.InRange(p.InFlight, 0, 32));
    }

    [Fact]
    public async Task PreserveOrder_YieldsResultsInInputOrder_FromAStreamedSource()
    {
        await using var h = await StartAsync();
        AddEcho(h.Emulator);
        var options = Options(concurrency: 16);
        options.PreserveOrder = true;
        var enumerated = 0;

        async IAsyncEnumerable<object?> Streamed()
        {
            for (var n = 0; n < 200; n++)
            {
                Interlocked.Increment(ref enumerated);
                await Task.Yield();
                yield return new { n };
            }
        }

        var results = new List<BatchResult<PredictionOutput>>();
        await foreach (var result in h.Client.RunBatchAsync("acme/echo", Streamed(), options))
        {
            // Streamed, not read ahead: never more than the order window past what was handed out.
            Assert.True(Volatile.Read(ref enumerated) <= results.Count + 1 + 64, $"{enumerated} inputs read with {results.Count} results out");
            results.Add(result);
        }

        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), results.Select(r => r.Index));
        Assert.Equal(200, h.Emulator.PredictionsCreated);
    }

    [Fact]
    public async Task NullItems_AndInputsTheSchemaRefuses_AreFailedResults_NamingTheProblem_WhileTheRestRun()
    {
        await using var h = await StartAsync();
        AddEcho(h.Emulator);
        var results = await CollectAsync(h.Client.RunBatchAsync("acme/echo", [new { n = 1 }, null, new { n = 2 }], Options()));

        var nulled = Assert.Single(results, r => r.Index == 1);
        var error = Assert.IsType<ArgumentNullException>(nulled.Error);
        Assert.Contains("Input 1 of the batch is null", error.Message, StringComparison.Ordinal);
        Assert.Null(nulled.Prediction);
        Assert.Equal(2, results.Count(r => r.Succeeded));
        Assert.Equal(2, h.Emulator.PredictionsCreated);

        // Typed: a bad input is refused before anything is sent; the good ones run.
        h.Emulator.AddModelFromSchemaFile(
            Path.Combine(AppContext.BaseDirectory, "model-schemas", "black-forest-labs--flux-schnell.json"),
            (input, ctx) => Task.FromResult<object?>(new[] { ctx.AddFile("out.webp", "RIFF"u8.ToArray(), "image/webp") }));
        var typed = new List<BatchResult<IReadOnlyList<FileOutput>>>();
        await foreach (var result in h.Client.RunBatchAsync(FluxSchnell.Model, new[]
        {
            new FluxSchnell.Input { Prompt = "fox" },
            new FluxSchnell.Input { Prompt = "owl", NumOutputs = 9 },
            new FluxSchnell.Input { Prompt = "cat" },
        }, Options()))
        {
            typed.Add(result);
        }

        var bad = Assert.Single(typed, r => !r.Succeeded);
        Assert.Equal(1, bad.Index);
        Assert.Contains("num_outputs = 9 is above the maximum 4", Assert.IsType<InputValidationException>(bad.Error).Message, StringComparison.Ordinal);
        Assert.All(typed.Where(r => r.Succeeded), r => Assert.Single(r.Output!));
        Assert.Equal(4, h.Emulator.PredictionsCreated);
    }

    [Fact]
    public async Task AThrottledCreate_PausesEveryWorker_UntilRetryAfter_AndIsSentAgain()
    {
        var clock = new TestClock();
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.TimeProvider = clock);
        AddEcho(h.Emulator);
        h.Emulator.Faults.Add(new EmulatorFault
        {
            Method = "POST", PathPrefix = "/v1/models/acme/echo/predictions", StatusCode = 429,
            Headers = new Dictionary<string, string> { ["Retry-After"] = "10" },
            Body = """{"detail":"Request was throttled. Expected available in 10 seconds.","status":429}""",
        });

        // Limiters that never hold anything back: only the 429 pause is under test.
        using var unlimited = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = 1000, QueueLimit = 1000 });
        var options = new BatchOptions
        {
            MaxConcurrency = 4,
            RateLimits = new RateLimitOptions { CreateLimiter = unlimited, RequestLimiter = unlimited },
            Prediction = new PredictionOptions { Wait = TimeSpan.FromSeconds(5) },
        };
        var batch = CollectAsync(h.Client.RunBatchAsync("acme/echo", Inputs(12), options));

        // The 429 arrives; whatever was already past the throttle finishes, and then nothing is sent: every worker waits.
        // Every attempt holds a permit of `unlimited` from before it is sent until it is answered, the 429's until after
        // the client paused on it: once the 429 has arrived and every permit is back, the pause is on and no create is
        // on its way, however late one sent before the pause reaches the server (a fixed wait cannot know that). The
        // second look, 500 ms on, also covers a worker descheduled between its pause check and taking its permit.
        await RetryTests.WaitUntil(() => h.Emulator.Faults.Count == 0);
        await RetryTests.WaitUntil(() => unlimited.GetStatistics()!.CurrentAvailablePermits == 1000);
        await Task.Delay(500);
        await RetryTests.WaitUntil(() => unlimited.GetStatistics()!.CurrentAvailablePermits == 1000);
        var creates = h.Requests("POST", "/v1/models/acme/echo/predictions").Count;
        // The throttled one, and those sent before the client read its answer (a race no client can win); items are held back.
        Assert.InRange(creates, 1, 11);
        Assert.False(batch.IsCompleted);
        clock.Advance(TimeSpan.FromSeconds(9.9));
        await Task.Delay(300);
        Assert.Equal(creates, h.Requests("POST", "/v1/models/acme/echo/predictions").Count);

        clock.Advance(TimeSpan.FromSeconds(0.1));
        var results = await batch.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(12, results.Count);
        Assert.Equal(12, h.Emulator.PredictionsCreated);
        Assert.Equal(13, h.Requests("POST", "/v1/models/acme/echo/predictions").Count);   // 12 creates + the throttled one, sent again
        Assert.Equal(11, results.Count(r => r.Succeeded));   // item 7 fails by design
    }

    [Fact]
    public async Task AJournal_ReportsFinishedItems_FindsItemsInDoubt_AndCreatesOnlyWhatIsLeft()
    {
        await using var h = await StartAsync();
        AddEcho(h.Emulator);
        var journal = Path.Combine(_dir, "batch.jsonl");
        var options = Options(concurrency: 4);
        options.JournalPath = journal;

        var first = await CollectAsync(h.Client.RunBatchAsync("acme/echo", Inputs(6), options));
        Assert.Equal(6, first.Count);
        Assert.Equal(6, h.Emulator.PredictionsCreated);

        // Item 2's create reached the server but the process died before it said so: only "started" is left of it.
        // Item 6 was journaled as started, and died before its create left the process. And a torn last line.
        var lines = File.ReadAllLines(journal).Where(l => !(l.Contains("\"i\":2,", StringComparison.Ordinal) && !l.Contains("\"started\"", StringComparison.Ordinal))).ToList();
        var fingerprint6 = Fingerprint(new { n = 6 });
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        var started6 = "{\"i\":6,\"s\":\"started\",\"h\":\"" + fingerprint6 + "\",\"t\":\"" + now + "\",\"in\":{\"n\":6}}";
        File.WriteAllText(journal, string.Join("\n", lines) + "\n" + started6 + "\n" + """{"i":7,"s":"crea""");

        var second = await CollectAsync(h.Client.RunBatchAsync("acme/echo", Inputs(8), options));

        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)i), second.Select(r => r.Index).Order());
        Assert.Equal(8, h.Emulator.PredictionsCreated);   // 6 before, then item 6 and item 7: item 2 was found, not made again
        Assert.All(second.Where(r => r.Index is 0 or 1 or 3 or 4 or 5), r => Assert.True(r.FromJournal));
        var found = Assert.Single(second, r => r.Index == 2);
        Assert.False(found.FromJournal);
        Assert.Equal(first.Single(r => r.Index == 2).Prediction!.Id, found.Prediction!.Id);
        Assert.Equal(2, found.Output!.Json.GetInt32());
        Assert.Equal(8, second.Select(r => r.Prediction!.Id).Distinct().Count());

        // A third run: everything from the journal, nothing sent.
        h.Emulator.ClearRequests();
        var third = await CollectAsync(h.Client.RunBatchAsync("acme/echo", Inputs(8), options));
        Assert.All(third, r => Assert.True(r.FromJournal));
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task AFileThatIsNotAJournal_OrAJournalOfAnotherBatch_IsRefused_NamingTheProblem_AndLeftAsItWas()
    {
        await using var h = await StartAsync();
        AddEcho(h.Emulator);
        h.Emulator.AddModel("acme/other", (input, ctx) => Task.FromResult<object?>(1));
        var notes = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(notes, "my notes\nsecond line\n");
        var options = Options();
        options.JournalPath = notes;

        var ex = await Assert.ThrowsAsync<BatchJournalException>(() => CollectAsync(h.Client.RunBatchAsync("acme/echo", Inputs(3), options)));
        Assert.Contains("is not a batch journal", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Path.GetFullPath(notes), ex.JournalPath);
        Assert.Equal("my notes\nsecond line\n", File.ReadAllText(notes));
        Assert.Equal(0, h.Emulator.PredictionsCreated);

        var journal = Path.Combine(_dir, "echo.jsonl");
        options.JournalPath = journal;
        await CollectAsync(h.Client.RunBatchAsync("acme/echo", Inputs(3), options));
        var written = File.ReadAllText(journal);

        ex = await Assert.ThrowsAsync<BatchJournalException>(() => CollectAsync(h.Client.RunBatchAsync("acme/other", Inputs(3), options)));
        Assert.Contains("written for another batch: model 'acme/echo', while this batch runs 'acme/other'", ex.Message, StringComparison.Ordinal);

        ex = await Assert.ThrowsAsync<BatchJournalException>(() => CollectAsync(h.Client.RunBatchAsync("acme/echo", [new { n = 0 }, new { n = 42 }, new { n = 2 }], options)));
        Assert.Contains("written for another input set: input 1 differs", ex.Message, StringComparison.Ordinal);

        Assert.Equal(3, h.Emulator.PredictionsCreated);
        Assert.Equal(written, File.ReadAllText(journal));

        // A bad line that is not the last one was not cut by a crash: the journal is damaged, said so, and left alone.
        var lines = written.Split('\n');
        lines[2] = "{\"i\":1,\"s\":";
        File.WriteAllText(journal, string.Join("\n", lines));
        ex = await Assert.ThrowsAsync<BatchJournalException>(() => CollectAsync(h.Client.RunBatchAsync("acme/echo", Inputs(3), options)));
        Assert.Contains("is damaged: line 3 is not a JSON record", ex.Message, StringComparison.Ordinal);
        Assert.Equal(string.Join("\n", lines), File.ReadAllText(journal));
        Assert.Equal(3, h.Emulator.PredictionsCreated);
    }

    [Fact]
    public async Task InputsWrittenByASourceGeneratedContext_RunWithoutReflection()
    {
        await using var h = await StartAsync();
        AddEcho(h.Emulator);

        async IAsyncEnumerable<EchoInput> Streamed()
        {
            for (var n = 0; n < 20; n++)
            {
                await Task.Yield();
                yield return new EchoInput(n);
            }
        }

        var results = new List<BatchResult<PredictionOutput>>();
        await foreach (var result in h.Client.RunBatchAsync("acme/echo", Streamed(), BatchJsonContext.Default.EchoInput, Options()))
        {
            results.Add(result);
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), results.Select(r => r.Index).Order());
        Assert.All(results.Where(r => r.Index != 7), r => Assert.Equal(r.Index, r.Output!.Json.GetInt64()));
        Assert.Contains("{\"n\":3}", h.Requests("POST", "/v1/models/acme/echo/predictions").Select(r => r.Body).Single(b => b.Contains("\"n\":3}", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Canceling_StartsNoMoreItems_AndCancelsRunningPredictions_UnlessToldToLetThemFinish(bool cancelOnAbandon)
    {
        await using var h = await StartAsync();
        h.Emulator.AddModel("acme/long", async (input, ctx) =>
        {
            await ctx.DelayAsync(TimeSpan.FromSeconds(30));
            return 1;
        });
        var options = Options(concurrency: 4);
        options.Prediction = new PredictionOptions { Wait = TimeSpan.Zero, CancelOnAbandon = cancelOnAbandon };
        using var cancel = new CancellationTokenSource();
        var batch = CollectAsync(h.Client.RunBatchAsync("acme/long", Inputs(10), options, cancel.Token));
        for (var i = 0; i < 500 && h.Emulator.PredictionsCreated < 4; i++)
        {
            await Task.Delay(10);
        }

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => batch.WaitAsync(TimeSpan.FromSeconds(20)));

        // Nothing more was started. The four running are canceled on the server (a create still on the wire when the
        // batch stopped is canceled in the background once it answers, as RunAsync does), or left running.
        Assert.Equal(4, h.Emulator.PredictionsCreated);
        var expected = cancelOnAbandon ? PredictionStatus.Canceled : PredictionStatus.Processing;
        var page = await h.Client.Predictions.ListAsync();
        for (var i = 0; i < 100 && page.Results.Any(p => p.Status != expected); i++)
        {
            await Task.Delay(50);
            page = await h.Client.Predictions.ListAsync();
        }

        Assert.Equal(4, page.Results.Count);
        Assert.All(page.Results, p => Assert.Equal(expected, p.Status));
        Assert.Equal(4, h.Emulator.PredictionsCreated);
    }

    [Fact]
    public async Task WithWebhookCompletions_ItemsFinishAsTheReceiverReportsThem_WithoutPolling()
    {
        await using var h = await StartAsync();
        h.Emulator.AddModel("acme/quick", async (input, ctx) =>
        {
            await ctx.DelayAsync(TimeSpan.FromMilliseconds(100));
            return input.GetProperty("n").GetInt32();
        });
        var completions = new BatchWebhookCompletions { FallbackPollInterval = TimeSpan.FromMinutes(10) };
        await using var receiver = await WebhookDeliveryTests.WebhookReceiver.StartAsync(d =>
        {
            completions.Report(ReplicateWebhook.ReadPrediction(h.Emulator.WebhookSecret, d.Headers, d.Body));
            return 200;
        });
        var options = Options(concurrency: 8);
        options.Prediction = new PredictionOptions { Webhook = receiver.Url, WebhookEventsFilter = [WebhookEventType.Completed] };
        options.WebhookCompletions = completions;

        var results = await CollectAsync(h.Client.RunBatchAsync("acme/quick", Inputs(20), options));

        Assert.Equal(20, results.Count(r => r.Succeeded));
        Assert.All(results, r => Assert.Equal(r.Index, r.Output!.Json.GetInt64()));
        Assert.Empty(h.Requests("GET", "/v1/predictions/"));   // no poll: every item was finished by its webhook
        Assert.All(h.Requests("POST", "/v1/models/acme/quick/predictions"), r => Assert.False(r.Headers.ContainsKey("Prefer")));

        // Without a webhook URL there is nobody to report: refused before anything is sent.
        options.Prediction = new PredictionOptions();
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => CollectAsync(h.Client.RunBatchAsync("acme/quick", Inputs(1), options)));
        Assert.Contains("needs BatchOptions.Prediction.Webhook", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AJournalInUse_IsRefusedToASecondBatch()
    {
        await using var h = await StartAsync();
        var release = new TaskCompletionSource();
        h.Emulator.AddModel("acme/held", async (input, ctx) =>
        {
            await release.Task.WaitAsync(ctx.CancellationToken);
            return 1;
        });
        var options = Options(concurrency: 2);
        options.JournalPath = Path.Combine(_dir, "shared.jsonl");
        var first = CollectAsync(h.Client.RunBatchAsync("acme/held", Inputs(2), options));
        for (var i = 0; i < 500 && h.Emulator.PredictionsCreated < 2; i++)
        {
            await Task.Delay(10);
        }

        var ex = await Assert.ThrowsAsync<BatchJournalException>(() => CollectAsync(h.Client.RunBatchAsync("acme/held", Inputs(2), options)));
        Assert.Contains("cannot be opened for writing", ex.Message, StringComparison.Ordinal);

        release.SetResult();
        Assert.Equal(2, (await first.WaitAsync(TimeSpan.FromSeconds(30))).Count(r => r.Succeeded));
        Assert.Equal(2, h.Emulator.PredictionsCreated);
    }

    [Fact]
    public async Task ClientRateLimits_PaceSingleCalls_WhenTurnedOn()
    {
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.RateLimits = new RateLimitOptions { CreatesPerMinute = 600 });
        h.Emulator.AddModel("acme/one", (input, ctx) => Task.FromResult<object?>(1));

        // 600 a minute: one token every 100 ms, none in reserve (the limiter's own timer, on the system clock).
        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => h.Client.RunAsync("acme/one", new { x = 1 }))).WaitAsync(TimeSpan.FromSeconds(10));

        var creates = h.Requests("POST", "/v1/models/acme/one/predictions").Select(r => r.ReceivedAt).Order().ToList();
        Assert.Equal(5, creates.Count);

        // The bucket ticks from the client's construction, so the first create takes the token in hand whenever it comes
        // and only the other four wait for ticks: they leave at least three periods (300 ms) after the second, however
        // late the first. 250 ms leaves room for the first create's own trip; unpaced, all five arrive within a few ms.
        Assert.True(creates[^1] - creates[0] >= TimeSpan.FromMilliseconds(250), $"5 creates within {(creates[^1] - creates[0]).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task CancelingWhileACreateIsOnTheWire_CancelsItsPredictionBeforeTheBatchReturns()
    {
        // The create answers about 250 ms after the batch is canceled: the batch lets it answer and cancels the prediction it
        // made by id, so a process that exits right after the batch leaves nothing running. The server says when the
        // create has arrived, and holds its answer until the cancel (WireMock logs a request only once it answers), so
        // the cancel falls while the create is on the wire however the threads are scheduled.
        using var server = ScriptedApi.Start();
        using var cancel = new CancellationTokenSource();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var canceled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onCancel = cancel.Token.Register(() => canceled.TrySetResult());
        server.Given(ScriptedApi.Api("models/acme/m/predictions", "POST")).RespondWith(WireMock.ResponseBuilders.Response.Create().WithCallback(async _ =>
        {
            arrived.TrySetResult();
            await canceled.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await Task.Delay(250);
            return ScriptedApi.JsonMessage(201, ScriptedApi.Prediction(status: "starting", output: "null"));
        }));
        server.Given(ScriptedApi.Api("predictions/p1/cancel", "POST")).RespondWith(ScriptedApi.Json(200, ScriptedApi.Prediction(status: "canceled", output: "null")));
        using var client = ScriptedApi.Client(server.ApiBase(), TimeProvider.System);
        var options = new BatchOptions { Prediction = new PredictionOptions { Wait = TimeSpan.Zero } };

        var consume = Task.Run(async () =>
        {
            await foreach (var result in client.RunBatchAsync("acme/m", new object?[] { new { x = 1 } }, options, cancel.Token))
            {
            }
        });
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consume.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Contains(server.Requests(), r => r.Method == "POST" && r.Path == "/v1/predictions/p1/cancel");
    }

    [Fact]
    public async Task WaitingForALease_HonoursCancellation_AndSendsNothing()
    {
        // A user-supplied limiter with its one permit held: the create waits in its queue until the caller cancels.
        using var limiter = new System.Threading.RateLimiting.ConcurrencyLimiter(new System.Threading.RateLimiting.ConcurrencyLimiterOptions { PermitLimit = 1, QueueLimit = 10 });
        using var held = limiter.AttemptAcquire();
        Assert.True(held.IsAcquired);
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.RateLimits = new RateLimitOptions { CreateLimiter = limiter });
        h.Emulator.AddModel("acme/one", (input, ctx) => Task.FromResult<object?>(1));
        using var cancel = new CancellationTokenSource();

        var run = h.Client.RunAsync("acme/one", new { x = 1 }, cancellationToken: cancel.Token);
        await Task.Delay(50);
        Assert.False(run.IsCompleted);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Empty(h.Requests("POST", "/v1/models/acme/one/predictions"));
    }

    [Fact]
    public async Task TheEmulatorsAccountLimits_Answer429_WithRetryAfter_AndCountThem()
    {
        // The emulator's clock stands still, so its bucket does not refill however slow the machine is.
        var clock = new TestClock();
        await using var h = await EmulatorHarness.StartAsync(
            e =>
            {
                e.TimeProvider = clock;
                e.RateLimits = new EmulatorRateLimits { CreatesPerMinute = 60, CreateBurst = 2 };
            },
            c => c.MaxRetries = 0);
        h.Emulator.AddModel("acme/one", (input, ctx) => Task.FromResult<object?>(1));

        await h.Client.Predictions.CreateAsync("acme/one", new { x = 1 });
        await h.Client.Predictions.CreateAsync("acme/one", new { x = 2 });
        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Predictions.CreateAsync("acme/one", new { x = 3 }));

        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, ex.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), ex.RetryAfter);
        Assert.Equal("Request was throttled. Expected available in 1 second.", ex.Detail);
        Assert.Equal(1, h.Emulator.ThrottledResponses);
        Assert.Equal(2, h.Emulator.PredictionsCreated);
        await h.Client.Predictions.ListAsync();   // other requests have their own bucket

        clock.Advance(TimeSpan.FromSeconds(1));   // one token back
        await h.Client.Predictions.CreateAsync("acme/one", new { x = 3 });
        Assert.Equal(3, h.Emulator.PredictionsCreated);
    }

    private static string Fingerprint(object input)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(input);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(json));
    }
}

public sealed record EchoInput([property: System.Text.Json.Serialization.JsonPropertyName("n")] int N);

[System.Text.Json.Serialization.JsonSerializable(typeof(EchoInput))]
internal sealed partial class BatchJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
