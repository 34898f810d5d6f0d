using System.Net;
using Replicate.Testing;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

/// <summary>
/// Model output is untrusted: what a model returns must never make the SDK spend the caller's token, money or disk
/// in ways the caller did not ask for.
/// </summary>
public class SecurityTests
{
    [Fact]
    public async Task AFileOutputNamingTheApi_IsFetchedWithoutTheToken()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var secretUrl = new Uri(h.Emulator.BaseAddress, "webhooks/default/secret").ToString();
        h.Emulator.AddModel("acme/evil", (_, _) => Task.FromResult<object?>(secretUrl));

        var output = await h.Client.RunAsync("acme/evil", new { });
        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => output.AsFile().ReadAllBytesAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        var fetch = Assert.Single(h.Requests("GET", "/v1/webhooks/"));
        Assert.False(fetch.Headers.ContainsKey("Authorization"));
        Assert.DoesNotContain(h.Emulator.WebhookSecret, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamedFileEventNamingTheApi_IsFetchedWithoutTheToken()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var secretUrl = new Uri(h.Emulator.BaseAddress, "webhooks/default/secret").ToString();
        h.Emulator.AddModel("acme/evil-stream", (_, ctx) =>
        {
            ctx.Output(secretUrl);
            return Task.FromResult<object?>(null);
        });

        FileOutput? file = null;
        await foreach (var e in h.Client.StreamAsync("acme/evil-stream", new { }))
        {
            file ??= e.File;
        }

        Assert.NotNull(file);
        await Assert.ThrowsAsync<ReplicateApiException>(() => file.ReadAllBytesAsync());
        Assert.False(Assert.Single(h.Requests("GET", "/v1/webhooks/")).Headers.ContainsKey("Authorization"));

        // The stream itself is an API URL: it keeps the token.
        Assert.All(h.Requests("GET", "/v1/streams/"), r => Assert.True(r.Headers.ContainsKey("Authorization")));
    }

    [Fact]
    public async Task CancelingRunAsync_DuringTheDefaultSyncWait_CancelsThePredictionOnTheServer()
    {
        // A model of 30 s, canceled once it started: the create is still held (Prefer: wait=60), so its answer has not
        // said the id yet. The SDK finds the prediction among those just created (same model, same input) and cancels it;
        // the caller is released at once: within 10 s (room for a loaded machine), far less than the model would take.
        await using var h = await EmulatorHarness.StartAsync();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Emulator.AddModel("acme/slow", async (_, ctx) =>
        {
            started.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.CancellationToken);
            return "finished";
        });
        h.Emulator.AddModel("acme/other", async (_, ctx) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.CancellationToken);
            return "other";
        });
        var bystander = await h.Client.Predictions.CreateAsync("acme/other", new { text = "mine" });

        using var cts = new CancellationTokenSource();
        var run = h.Client.RunAsync("acme/slow", new { text = "mine" }, cancellationToken: cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run).WaitAsync(TimeSpan.FromSeconds(10));
        var create = Assert.Single(h.Requests("POST", "/v1/models/acme/slow/predictions"));
        Assert.Equal("wait=60", create.Headers["Prefer"]);
        await RetryTests.WaitUntil(() => h.Emulator.Requests.Any(r => r.Method == "POST" && r.Path.EndsWith("/cancel", StringComparison.Ordinal)));
        var cancel = Assert.Single(h.Emulator.Requests, r => r.Method == "POST" && r.Path.EndsWith("/cancel", StringComparison.Ordinal));
        var id = cancel.Path.Split('/')[^2];
        Assert.NotEqual(bystander.Id, id);
        Assert.Equal(PredictionStatus.Canceled, (await h.Client.Predictions.WaitAsync(await h.Client.Predictions.GetAsync(id))).Status);
        Assert.Contains(h.Emulator.Requests, r => r.Method == "GET" && r.Path == "/v1/predictions" && r.Query.Contains("created_after", StringComparison.Ordinal));
        Assert.Equal(PredictionStatus.Processing, (await h.Client.Predictions.GetAsync(bystander.Id)).Status);
    }

    [Fact]
    public async Task CancelingADeploymentRunDuringTheSyncWait_NeverCancelsAnotherModelsPredictionWithTheSameInput()
    {
        // A deployment route names no model or version to match on, so the SDK does not look among recent predictions
        // (it would match any model's with the same input); it cancels by id once the held create answers. The caller is
        // released at once all the same: within 10 s (room for a loaded machine), far less than the model's 30 s.
        await using var h = await EmulatorHarness.StartAsync();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Emulator.AddModel("acme/slow", async (_, ctx) =>
        {
            started.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.CancellationToken);
            return "finished";
        });
        h.Emulator.AddDeployment("acme/app", "acme/slow");
        h.Emulator.AddModel("acme/other", async (_, ctx) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.CancellationToken);
            return "other";
        });
        var bystander = await h.Client.Predictions.CreateAsync("acme/other", new { text = "mine" });

        using var cts = new CancellationTokenSource();
        var run = h.Client.RunAsync("deployment:acme/app", new { text = "mine" }, cancellationToken: cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run).WaitAsync(TimeSpan.FromSeconds(10));
        await RetryTests.WaitUntil(() => h.Emulator.Requests.Count(r => r.Method == "POST" && r.Path.StartsWith("/v1/deployments/", StringComparison.Ordinal)) == 1);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Method == "GET" && r.Path == "/v1/predictions" && r.Query.Contains("created_after", StringComparison.Ordinal));
        Assert.Equal(PredictionStatus.Processing, (await h.Client.Predictions.GetAsync(bystander.Id)).Status);
    }

    [Fact]
    public async Task RunAsync_KeepsSyncMode_WithACancelableTokenToo()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/fast", (_, _) => Task.FromResult<object?>("ok"));
        using var cts = new CancellationTokenSource();

        Assert.Equal("ok", (await h.Client.RunAsync("acme/fast", new { }, cancellationToken: cts.Token)).ToString());
        Assert.Equal("ok", (await h.Client.RunAsync("acme/fast", new { })).ToString());

        Assert.All(h.Requests("POST", "/v1/models/acme/fast/predictions"), r => Assert.Equal("wait=60", r.Headers["Prefer"]));
        Assert.Empty(h.Requests("GET", "/v1/predictions/"));
    }

    [Fact]
    public async Task CancelingWhileTheCreateIsOnTheWire_CancelsThePredictionItMade()
    {
        await using var emulator = await Replicate.Testing.ReplicateEmulator.StartAsync();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        emulator.AddModel("acme/slow", async (_, ctx) =>
        {
            started.TrySetResult();
            await Task.Delay(TimeSpan.FromSeconds(30), ctx.CancellationToken);
            return "finished";
        });
        var gate = new CreateGate();
        var options = new ReplicateClientOptions { ApiToken = emulator.ApiToken, BaseAddress = emulator.BaseAddress };
        using var http = new HttpClient(ReplicateClient.CreateHttpMessageHandler(options, gate)) { Timeout = Timeout.InfiniteTimeSpan };
        using var client = new ReplicateClient(http, options);

        using var cts = new CancellationTokenSource();
        var run = client.RunAsync("acme/slow", new { }, new PredictionOptions { Wait = TimeSpan.Zero }, cancellationToken: cts.Token);
        await gate.CreateAnswered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cts.Cancel();

        // The caller is released at once, although the create's answer is still held back.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(gate.CancelSent.Task.IsCompleted);

        gate.Release.TrySetResult();
        var cancelPath = await gate.CancelSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var id = cancelPath.Split('/')[^2];
        Assert.Equal(PredictionStatus.Canceled, (await client.Predictions.GetAsync(id)).Status);
        Assert.Equal(1, emulator.PredictionsCreated);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("../cancel")]
    [InlineData("a\\b")]
    public async Task IdsThatWouldAddressAnotherEndpoint_AreRefusedBeforeSending(string id)
    {
        await using var h = await EmulatorHarness.StartAsync();
        var c = h.Client;
        Func<Task>[] calls =
        [
            () => c.Predictions.GetAsync(id), () => c.Predictions.CancelAsync(id),
            () => c.Trainings.GetAsync(id), () => c.Trainings.CancelAsync(id),
            () => c.Files.GetAsync(id), () => c.Files.DeleteAsync(id),
            () => c.Collections.GetAsync(id),
        ];

        foreach (var call in calls)
        {
            var ex = await Assert.ThrowsAnyAsync<ArgumentException>(call);
            Assert.NotNull(ex.ParamName);
        }

        Assert.ThrowsAny<ArgumentException>(() => new FileDownloadLink(id, "acme", DateTimeOffset.UnixEpoch, "sig"));
        Assert.Empty(h.Emulator.Requests);
    }

    [Fact]
    public void ADownloadUrlWhoseIdIsDotDot_DoesNotParse()
    {
        Assert.False(FileDownloadLink.TryParse(new Uri("https://api.replicate.com/v1/files/%2E%2E/download?owner=a&expiry=1&signature=s"), out _));
    }

    [Theory]
    [InlineData("webhooks/default/secret?cursor=x")]
    [InlineData("predictions/abc/cancel?cursor=x")]
    [InlineData("models?cursor=x")]
    public async Task ACursorToAnotherPathOfTheApi_IsRefused(string relative)
    {
        await using var h = await EmulatorHarness.StartAsync();
        var cursor = new Uri(h.Emulator.BaseAddress, relative).ToString();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => h.Client.Predictions.ListAsync(cursor));

        Assert.Contains("/v1/predictions", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Emulator.Requests);
    }

    [Fact]
    public async Task AStreamTheNetworkGivesUpOn_LeavesThePredictionRunning()
    {
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o =>
        {
            o.MaxRetries = 1;
            o.RetryDelay = TimeSpan.FromMilliseconds(1);
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(1);
        });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Emulator.AddModel("acme/tokens", async (_, ctx) =>
        {
            for (var i = 0; i < 3; i++)
            {
                ctx.Output($"t{i} ");
            }

            await release.Task.WaitAsync(ctx.CancellationToken);
            return null;
        });
        h.Emulator.DropStreamAfterEvents = 3;

        var received = new List<string>();
        var ex = await Assert.ThrowsAnyAsync<ReplicateException>(async () =>
        {
            await foreach (var e in h.Client.StreamTextAsync("acme/tokens", new { }))
            {
                if (received.Count == 0)
                {
                    h.Emulator.Faults.Add(new Replicate.Testing.EmulatorFault { Method = "GET", PathPrefix = "/v1/streams/", Kind = Replicate.Testing.EmulatorFaultKind.ResetConnection, Times = 100 });
                }

                received.Add(e);
            }
        });

        Assert.Equal(["t0 ", "t1 ", "t2 "], received);
        Assert.Contains("may still be running", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Path.EndsWith("/cancel", StringComparison.Ordinal));
        var id = Assert.Single((await h.Client.Predictions.ListAsync()).Results).Id;
        Assert.Equal(PredictionStatus.Processing, (await h.Client.Predictions.GetAsync(id)).Status);
        release.TrySetResult();
    }

    [Fact]
    public async Task ReadAllBytesAsync_RefusesAFileOverItsLimit_ByLengthOrAsItArrives()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var transport = TransportTests.GetTransport(h.Client);
        var sized = new FileOutput(new Uri(h.Emulator.AddFile("sized.bin", "application/octet-stream", () => ReplicateEmulator.CreatePatternStream(10_000))), transport);
        var unsized = new FileOutput(new Uri(h.Emulator.AddFile("unsized.bin", "application/octet-stream", () => new UnsizedStream(ReplicateEmulator.CreatePatternStream(10_000)))), transport);
        var huge = new FileOutput(new Uri(h.Emulator.AddFile("huge.bin", "application/octet-stream", () => ReplicateEmulator.CreatePatternStream(FileOutput.DefaultMaxReadBytes + 1))), transport);

        Assert.Equal(10_000, (await sized.ReadAllBytesAsync(10_000)).Length);
        Assert.Equal(10_000, (await unsized.ReadAllBytesAsync(10_000)).Length);
        var byLength = await Assert.ThrowsAsync<ReplicateException>(() => sized.ReadAllBytesAsync(9_999));
        var asItArrives = await Assert.ThrowsAsync<ReplicateException>(() => unsized.ReadAllBytesAsync(9_999));
        var byDefault = await Assert.ThrowsAsync<ReplicateException>(() => huge.ReadAllBytesAsync());

        Assert.Contains("is 10000 bytes, more than the 9999 bytes", byLength.Message, StringComparison.Ordinal);
        Assert.Contains("larger than that, more than the 9999 bytes", asItArrives.Message, StringComparison.Ordinal);
        Assert.Contains("SaveAsync", byDefault.Message, StringComparison.Ordinal);
        Assert.Equal(256L * 1024 * 1024, FileOutput.DefaultMaxReadBytes);
    }

    [Fact]
    public async Task ContentType_IsKnownOnceAnHttpFileWasRead()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var file = new FileOutput(new Uri(h.Emulator.AddFile("a.txt", "text/plain", () => new MemoryStream("A"u8.ToArray()))), TransportTests.GetTransport(h.Client));

        Assert.Null(file.ContentType);
        await file.ReadAllBytesAsync();
        Assert.Equal("text/plain", file.ContentType);
    }

    [Fact]
    public async Task SaveAsync_NeverWritesThroughALinkPlantedAtAPredictableName()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        await using var h = await EmulatorHarness.StartAsync();
        var file = new FileOutput(new Uri(h.Emulator.AddFile("a.txt", "text/plain", () => new MemoryStream("downloaded"u8.ToArray()))), TransportTests.GetTransport(h.Client));
        var folder = Directory.CreateTempSubdirectory("replicate-save-").FullName;
        try
        {
            var victim = Path.Combine(folder, "victim.txt");
            await File.WriteAllTextAsync(victim, "precious");
            var target = Path.Combine(folder, "out.txt");
            File.CreateSymbolicLink(target + ".partial", victim);

            await file.SaveAsync(target);

            Assert.Equal("precious", await File.ReadAllTextAsync(victim));
            Assert.Equal("downloaded", await File.ReadAllTextAsync(target));
            Assert.Equal(["out.txt", "out.txt.partial", "victim.txt"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ConcurrentSavesToOnePath_LeaveOneWholeFile()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var transport = TransportTests.GetTransport(h.Client);
        var a = new FileOutput(new Uri(h.Emulator.AddFile("a.bin", "application/octet-stream", () => new MemoryStream(Enumerable.Repeat((byte)'a', 3_000_000).ToArray()))), transport);
        var b = new FileOutput(new Uri(h.Emulator.AddFile("b.bin", "application/octet-stream", () => new MemoryStream(Enumerable.Repeat((byte)'b', 2_000_000).ToArray()))), transport);
        var folder = Directory.CreateTempSubdirectory("replicate-save-").FullName;
        try
        {
            var target = Path.Combine(folder, "out.bin");
            for (var round = 0; round < 5; round++)
            {
                await Task.WhenAll(a.SaveAsync(target), b.SaveAsync(target), a.SaveAsync(target), b.SaveAsync(target));

                var saved = await File.ReadAllBytesAsync(target);
                Assert.True(saved.Length is 3_000_000 or 2_000_000);
                Assert.All(saved, x => Assert.Equal(saved[0], x));
                Assert.Equal(saved[0] == (byte)'a' ? 3_000_000 : 2_000_000, saved.Length);
            }

            Assert.Equal(["out.bin"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task ADownloadWhoseServerGoesSilent_FailsAfterTheIdleTimeout()
    {
        var time = new TestClock();
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o =>
        {
            o.TimeProvider = time;
            o.StreamIdleTimeout = TimeSpan.FromSeconds(10);
        });
        var stall = new StallingStream("first bytes"u8.ToArray());
        var file = new FileOutput(new Uri(h.Emulator.AddFile("stall.bin", "application/octet-stream", () => stall)), TransportTests.GetTransport(h.Client));

        var read = file.ReadAllBytesAsync();
        await RetryTests.WaitUntil(() => stall.Stalled);
        var ex = await time.StepUntilDoneAsync(Assert.ThrowsAsync<IOException>(() => read), TimeSpan.FromSeconds(3));

        Assert.Contains("No data arrived for 10 s (ReplicateClientOptions.StreamIdleTimeout)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStreamWhoseServerGoesSilent_ReconnectsAfterTheIdleTimeout_AndResumes()
    {
        var time = new TestClock();
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o =>
        {
            o.TimeProvider = time;
            o.StreamIdleTimeout = TimeSpan.FromSeconds(10);
            o.RetryDelay = TimeSpan.Zero;
        });
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Emulator.AddModel("acme/pause", async (_, ctx) =>
        {
            ctx.Output("a");
            await release.Task.WaitAsync(ctx.CancellationToken);
            ctx.Output("b");
            return null;
        });

        var received = new List<string>();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consume = Task.Run(async () =>
        {
            await foreach (var token in h.Client.StreamTextAsync("acme/pause", new { }))
            {
                received.Add(token);
                first.TrySetResult();
            }
        });
        await first.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await time.StepUntilDoneAsync(RetryTests.WaitUntil(() => h.Requests("GET", "/v1/streams/").Count == 2), TimeSpan.FromSeconds(3));
        release.TrySetResult();
        await consume.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["a", "b"], received);
        Assert.True(h.Requests("GET", "/v1/streams/")[1].Headers.ContainsKey("Last-Event-ID"));
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Path.EndsWith("/cancel", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnEventOverTheConfiguredLimit_EndsTheStream_NamingTheLimit()
    {
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o => o.MaxStreamEventSize = 1024 * 1024);
        h.Emulator.AddModel("acme/big", (_, ctx) =>
        {
            ctx.Output(new string('x', 2 * 1024 * 1024));
            return Task.FromResult<object?>(null);
        });

        var ex = await Assert.ThrowsAnyAsync<ReplicateException>(async () =>
        {
            await foreach (var _ in h.Client.StreamTextAsync("acme/big", new { }))
            {
            }
        });

        Assert.Contains("larger than 1 MiB, the limit (ReplicateClientOptions.MaxStreamEventSize)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(16 * 1024 * 1024, new ReplicateClientOptions().MaxStreamEventSize);
        Assert.Equal(TimeSpan.FromMinutes(5), new ReplicateClientOptions().StreamIdleTimeout);
    }

    [Fact]
    public async Task Waiting_BacksOffTo5Seconds_AndHonoursTheRetryAfterOfAThrottledPoll()
    {
        // One clock for both sides: the emulator stamps each poll with the time the client's waits brought it to.
        var clock = new TestClock();
        await using var h = await EmulatorHarness.StartAsync(o => o.TimeProvider = clock, o =>
        {
            o.TimeProvider = clock;
            o.PollingInterval = TimeSpan.FromMilliseconds(500);
            o.MaxRetries = 0;
        });
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Emulator.AddModel("acme/long", async (_, ctx) =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(ctx.CancellationToken);
            return "done";
        });
        var created = await clock.RunAsync(h.Client.Predictions.CreateAsync("acme/long", new { }));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var running = await clock.RunAsync(h.Client.Predictions.GetAsync(created.Id));
        Assert.Equal(PredictionStatus.Processing, running.Status);
        h.Emulator.Faults.Add(new EmulatorFault
        {
            Method = "GET", PathPrefix = "/v1/predictions/", StatusCode = 429,
            Headers = new Dictionary<string, string> { ["Retry-After"] = "30" },
            Body = """{"title":"Request was throttled","status":429,"detail":"Request was throttled. Expected available in 30 seconds."}""",
        });

        var waitStarted = clock.GetUtcNow();
        var wait = h.Client.Predictions.WaitAsync(running);
        await clock.RunAsync(RetryTests.WaitUntil(() => h.Requests("GET", "/v1/predictions/").Count >= 10));
        release.TrySetResult();
        var finished = await clock.RunAsync(wait);

        Assert.Equal(PredictionStatus.Succeeded, finished.Status);
        // The time from the start of the wait to each poll (after the GET above), then between polls.
        var polls = h.Requests("GET", "/v1/predictions/").Skip(1).Select(r => r.ReceivedAt).Prepend(waitStarted).ToList();
        var waits = polls.Zip(polls.Skip(1), (before, after) => (after - before).TotalSeconds).ToList();
        Assert.Equal([0.5, 30, 1, 2, 4, 5, 5, 5], waits.Take(8));
        Assert.All(waits.Skip(8), d => Assert.Equal(5, d));
    }

    [Fact]
    public async Task EmptyPagesWithFreshCursors_StopAfterTen()
    {
        // Every page is empty and names a cursor never seen before: c1 after the first page, c2 after c1, ...
        using var server = ScriptedApi.Start();
        server.Given(ScriptedApi.Api("predictions")).RespondWith(WireMock.ResponseBuilders.Response.Create().WithCallback(request =>
            ScriptedApi.JsonMessage(200, $$"""{"results":[],"next":"{{server.Url}}/v1/predictions?cursor=c{{CursorNumber(request) + 1}}","previous":null}""")));
        var clock = new TestClock();
        using var client = ScriptedApi.Client(server.ApiBase(), clock);

        var ex = await Assert.ThrowsAsync<ReplicateException>(() => clock.RunAsync(Task.Run(async () =>
        {
            await foreach (var _ in client.Predictions.EnumerateAsync())
            {
            }
        })));

        Assert.Contains("10 empty pages in a row", ex.Message, StringComparison.Ordinal);
        Assert.Equal(10, server.LogEntries.Count);
    }

    [Fact]
    public async Task ALoopOfCursors_IsFound_InBoundedPages()
    {
        // Pages c1 → c2 → ... → c7 → c3 → ...: a loop of five pages after two, each with an item.
        using var server = ScriptedApi.Start();
        server.Given(ScriptedApi.Api("predictions")).RespondWith(WireMock.ResponseBuilders.Response.Create().WithCallback(request =>
        {
            var at = CursorNumber(request);
            var next = at == 7 ? 3 : at + 1;
            return ScriptedApi.JsonMessage(200, $$"""{"results":[{{ScriptedApi.Prediction("p" + at)}}],"next":"{{server.Url}}/v1/predictions?cursor=c{{next}}","previous":null}""");
        }));
        var clock = new TestClock();
        using var client = ScriptedApi.Client(server.ApiBase(), clock);
        var seen = 0;

        var ex = await Assert.ThrowsAsync<ReplicateException>(() => clock.RunAsync(Task.Run(async () =>
        {
            await foreach (var _ in client.Predictions.EnumerateAsync())
            {
                seen++;
            }
        })));

        Assert.Contains("same page cursor twice", ex.Message, StringComparison.Ordinal);
        Assert.InRange(server.LogEntries.Count, 8, 20);
        Assert.Equal(server.LogEntries.Count, seen);
    }

    [Fact]
    public async Task AnUploadWhoseServerNeverAnswers_TimesOutAfterTheBodyWasSent()
    {
        var time = new TestClock();
        await using var h = await EmulatorHarness.StartAsync(clientOptions: o =>
        {
            o.TimeProvider = time;
            o.RequestTimeout = TimeSpan.FromSeconds(30);
        });
        h.Emulator.Faults.Add(new EmulatorFault { Method = "POST", PathPrefix = "/v1/files", Kind = EmulatorFaultKind.Hang });

        var upload = h.Client.Files.UploadAsync(new byte[100_000], new FileUploadOptions { FileName = "scan.bin" });
        await RetryTests.WaitUntil(() => h.Requests("POST", "/v1/files").Count == 1);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.False(upload.IsCompleted);
        var ex = await time.StepUntilDoneAsync(Assert.ThrowsAsync<TimeoutException>(() => upload), TimeSpan.FromSeconds(3));

        Assert.Contains("sent its whole body but got no response within 30 s (ReplicateClientOptions.RequestTimeout)", ex.Message, StringComparison.Ordinal);
        Assert.Single(h.Requests("POST", "/v1/files"));
    }

    /// <summary>The number of a page's <c>cursor=cN</c> (0 for the first page, which has none).</summary>
    private static int CursorNumber(WireMock.IRequestMessage request) =>
        request.Query?.TryGetValue("cursor", out var cursor) == true ? int.Parse(cursor[0][1..], System.Globalization.CultureInfo.InvariantCulture) : 0;

    /// <summary>A stream that hides its length, so the file is sent chunked.</summary>
    private sealed class UnsizedStream(Stream inner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            inner.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Sends its first bytes, then nothing until the request is aborted.</summary>
    private sealed class StallingStream(byte[] first) : Stream
    {
        private bool _sent;

        public bool Stalled { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_sent)
            {
                _sent = true;
                first.CopyTo(buffer);
                return first.Length;
            }

            Stalled = true;
            await Task.Delay(TimeSpan.FromSeconds(30), cancellationToken);
            return 0;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Holds back the answer to a create (after the server made the prediction) and reports cancel requests.</summary>
    private sealed class CreateGate() : DelegatingHandler(new SocketsHttpHandler())
    {
        public TaskCompletionSource CreateAnswered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource<string> CancelSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var path = request.RequestUri!.AbsolutePath;
            if (request.Method == HttpMethod.Post && path.EndsWith("/cancel", StringComparison.Ordinal))
            {
                CancelSent.TrySetResult(path);
            }
            else if (request.Method == HttpMethod.Post)
            {
                CreateAnswered.TrySetResult();
                await Release.Task.WaitAsync(cancellationToken);
            }

            return response;
        }
    }
}
