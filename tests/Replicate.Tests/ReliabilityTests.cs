using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Replicate.Testing;
using Replicate.Tests.Infrastructure;
using Xunit.Abstractions;
using static Replicate.Tests.Infrastructure.ScriptedApi;

namespace Replicate.Tests;

/// <summary>Fault injection: status storms, lost responses, cut bodies, cancellation at every stage, long runs.</summary>
public class ReliabilityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task StatusStorm_ReadsAlwaysSucceed_CreatesNeverDuplicate()
    {
        const int operations = 1000;
        await using var emulator = await ReplicateEmulator.StartAsync();
        await using var proxy = await ChaosProxy.StartAsync(emulator.BaseAddress, seed: 7, rate: 0.3);
        var clock = new TestClock();
        using var client = new ReplicateClient(new ReplicateClientOptions
        {
            // 15 retries: a read fails only if all 16 attempts meet a fault, 0.3^16 (4e-9) per read, so the ~700 reads of
            // a run never do; with 10, about one run in a thousand failed a read that the storm had simply kept hitting.
            ApiToken = emulator.ApiToken, BaseAddress = proxy.BaseAddress, MaxRetries = 15, Wait = TimeSpan.Zero,
            TimeProvider = clock, PollingInterval = TimeSpan.FromMilliseconds(1),

            // Four callers' backoffs move the shared fake clock while other requests are on the wire: an hour keeps
            // those moves from ever adding up to an attempt timeout, which this test is not about.
            RequestTimeout = TimeSpan.FromHours(1),
        });
        var seedPrediction = await clock.RunAsync(CreateWithRetryAsync(client));
        var random = new Random(11);
        var plan = Enumerable.Range(0, operations).Select(_ => random.Next(100)).ToArray();
        var reads = 0;
        var createsSucceeded = 0;
        var createsFailed = 0;
        var failures = new List<Exception>();

        // The storm takes a few seconds alone; the bound on real time only catches a hang, with room for a loaded machine.
        await clock.RunAsync(Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (roll, ct) =>
        {
            try
            {
                switch (roll)
                {
                    case < 45:
                        await client.Predictions.GetAsync(seedPrediction.Id, ct);
                        Interlocked.Increment(ref reads);
                        break;
                    case < 65:
                        await client.Predictions.ListAsync(cancellationToken: ct);
                        Interlocked.Increment(ref reads);
                        break;
                    case < 90:
                        await client.Predictions.CreateAsync("replicate/hello-world", new { text = "storm" }, cancellationToken: ct);
                        Interlocked.Increment(ref createsSucceeded);
                        break;
                    default:
                        await client.RunAsync("replicate/hello-world", new { text = "storm" }, cancellationToken: ct);
                        Interlocked.Increment(ref createsSucceeded);
                        break;
                }
            }
            catch (ReplicateApiException ex) when (roll >= 65)
            {
                // A create that met a 5xx is not retried: it may have started a paid prediction.
                Assert.Contains((int)ex.StatusCode, new[] { 500, 502, 503, 504, 429 });
                Assert.NotNull(ex.Attempts);
                Interlocked.Increment(ref createsFailed);
            }
            catch (Exception ex)
            {
                lock (failures)
                {
                    failures.Add(ex);
                }
            }
        }), realTime: TimeSpan.FromMinutes(5));

        Assert.Empty(failures);
        Assert.Equal(operations, reads + createsSucceeded + createsFailed);
        // Every prediction on the server was created by exactly one successful call: no duplicates, no phantoms.
        Assert.Equal(createsSucceeded + 1, emulator.PredictionsCreated);
        output.WriteLine($"status storm: {operations} operations, {proxy.Requests} requests, {proxy.Faults} faults injected, {reads} reads ok, {createsSucceeded} creates ok, {createsFailed} creates failed without retry, duplicates: {emulator.PredictionsCreated - createsSucceeded - 1}");
    }

    [Fact]
    public async Task LostResponsesToCreates_AreNeverRetried_SoNothingRunsTwice()
    {
        const int creates = 100;
        await using var emulator = await ReplicateEmulator.StartAsync();
        await using var proxy = await ChaosProxy.StartAsync(emulator.BaseAddress, seed: 3, rate: 0, lostResponseRate: 0.25);
        var clock = new TestClock();
        using var client = new ReplicateClient(new ReplicateClientOptions
        {
            ApiToken = emulator.ApiToken, BaseAddress = proxy.BaseAddress, MaxRetries = 10, TimeProvider = clock,
        });
        var lost = 0;

        for (var i = 0; i < creates; i++)
        {
            try
            {
                await clock.RunAsync(client.Predictions.CreateAsync("replicate/hello-world", new { text = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
            }
            catch (HttpRequestException)
            {
                lost++;
            }
        }

        Assert.True(lost > 10, $"the proxy lost {lost} responses");
        Assert.Equal(proxy.LostResponses, lost);
        Assert.Equal(creates, emulator.PredictionsCreated);
        output.WriteLine($"lost responses: {creates} creates, {lost} responses lost after the server acted, {emulator.PredictionsCreated} predictions created (duplicates: {emulator.PredictionsCreated - creates})");
    }

    [Theory]
    [InlineData("content-length-mismatch")]
    [InlineData("truncated-chunked")]
    public async Task CutBodies_OnReads_AreRetried(string fault)
    {
        // The connection dies in the middle of the body: WireMock cannot do that (see ConnectionFaultServer).
        await using var server = await ConnectionFaultServer.StartAsync(async (context, n) =>
        {
            if (n > 1)
            {
                await ConnectionFaultServer.WriteJsonAsync(context, 200, Prediction());
                return;
            }

            var body = Encoding.UTF8.GetBytes(Prediction());
            context.Response.ContentType = "application/json";
            if (fault == "content-length-mismatch")
            {
                context.Response.ContentLength = body.Length + 100;
                await context.Response.Body.WriteAsync(body);
            }
            else
            {
                await context.Response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
            }

            await context.Response.Body.FlushAsync();
            context.Abort();
        });
        var clock = new TestClock();
        using var client = Client(server.BaseAddress, clock);

        Assert.Equal("p1", (await clock.RunAsync(client.Predictions.GetAsync("p1"))).Id);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task CutJson_InACompleteResponse_SurfacesTyped_AndIsNotRetried()
    {
        // A complete response that is cut JSON is not a network fault: it surfaces, typed, and is not retried.
        var prediction = Prediction();
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Json(200, prediction[..(prediction.Length / 2)]));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);

        await Assert.ThrowsAsync<ReplicateException>(() => clock.RunAsync(client.Predictions.GetAsync("p1")));

        Assert.Single(server.LogEntries);
    }

    [Fact]
    public async Task SlowTrickle_IsBoundedByTheAttemptTimeout_ThenRetried()
    {
        // The first answer comes a byte every 100 ms (40 s for the whole body); the writing stops with the test.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var trickling = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var server = Start();
        server.Sequence(
            Api("predictions/p1"),
            Streamed("application/json", async queue =>
            {
                try
                {
                    foreach (var c in Prediction())
                    {
                        queue.Write(c.ToString());
                        trickling.TrySetResult();
                        await Task.Delay(100, stop.Token);
                    }
                }
                catch (OperationCanceledException)
                {
                    // The test is over.
                }
            }),
            Json(200, Prediction()));
        var clock = new TestClock();
        using var client = new ReplicateClient(new ReplicateClientOptions
        {
            ApiToken = Token, BaseAddress = server.ApiBase(), RequestTimeout = TimeSpan.FromSeconds(1), TimeProvider = clock,
        });
        var started = DateTime.UtcNow;

        var get = client.Predictions.GetAsync("p1");
        await trickling.Task.WaitAsync(TimeSpan.FromSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(1)); // the first attempt's second runs out in the middle of the body
        await RetryTests.WaitUntil(() => clock.PendingTimers > 0);
        clock.Advance(clock.NextTimer!.Value); // the backoff before the retry

        Assert.Equal("p1", (await get.WaitAsync(TimeSpan.FromSeconds(10))).Id);
        Assert.Equal(2, server.LogEntries.Count);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(30), "a hang guard: the test clock drives every timer");
        await stop.CancelAsync();
    }

    [Fact]
    public async Task HugeResponseBody_IsRefused_NotBuffered()
    {
        // Up to 100 MiB written a mebibyte at a time, without a Content-Length; the writing stops when the client hangs up.
        using var server = Start();
        server.Given(Api("predictions/p1")).RespondWith(Streamed("application/json", queue =>
        {
            queue.Write("{\"id\":\"p1\",\"status\":\"succeeded\",\"output\":\"");
            var chunk = new string('a', 1 << 20);
            for (var i = 0; i < 100; i++)
            {
                queue.Write(chunk);
            }

            return Task.CompletedTask;
        }));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);

        var ex = await Assert.ThrowsAsync<ReplicateException>(() => clock.RunAsync(client.Predictions.GetAsync("p1")));
        Assert.Contains("64 MiB", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_AtEveryStage_EndsPromptly_AndLeaksNoConnection()
    {
        using var server = Start();
        using var hang = new Hang();
        server.Given(Api("predictions/hang")).RespondWith(hang.Response());
        server.Given(Api("predictions/file")).RespondWith(Streamed("application/octet-stream", async queue =>
        {
            // A first kilobyte, then nothing until the test ends.
            queue.Write(new string('\0', 1000));
            await hang.Released;
        }));
        server.Given(Api("predictions/ok")).RespondWith(Json(200, Prediction(id: "ok")));
        server.Given(Api("predictions/with-file")).RespondWith(Json(200, Prediction(id: "with-file", output: $"\"{new Uri(server.ApiBase(), "predictions/file")}\"")));

        // One connection only: a response left undisposed would hold it, and the next request would hang.
        var options = new ReplicateClientOptions { ApiToken = Token, BaseAddress = server.ApiBase() };
        using var http = new HttpClient(ReplicateClient.CreateHttpMessageHandler(options, new SocketsHttpHandler { MaxConnectionsPerServer = 1 }));
        using var client = new ReplicateClient(http, options);

        async Task HealthyAsync() => Assert.Equal("ok", (await client.Predictions.GetAsync("ok").WaitAsync(TimeSpan.FromSeconds(5))).Id);

        // Before send.
        using (var canceled = new CancellationTokenSource())
        {
            await canceled.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.Predictions.GetAsync("x", canceled.Token));
            Assert.Empty(server.LogEntries);
        }

        await HealthyAsync();

        // Waiting for headers.
        using (var cts = new CancellationTokenSource())
        {
            var waiting = client.Predictions.GetAsync("hang", cts.Token);
            await hang.Arrived.WaitAsync(TimeSpan.FromSeconds(10));
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        }

        await HealthyAsync();

        // Mid-body of a download.
        var file = new PredictionOutput(await client.Predictions.GetAsync("with-file"), TransportTests.GetTransport(client)).AsFile();
        using (var cts = new CancellationTokenSource())
        {
            var copying = file.CopyToAsync(Stream.Null, cts.Token);
            await RetryTests.WaitUntil(() => server.Requests().Any(r => r.Path.EndsWith("/file", StringComparison.Ordinal)));
            await Task.Delay(50);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => copying.WaitAsync(TimeSpan.FromSeconds(5)));
        }

        await HealthyAsync();
    }

    [Fact]
    public async Task TenMinutePrediction_IsAwaited_WithoutAnyTimeoutFiring()
    {
        var time = new TestClock();
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { TimeProvider = time });
        emulator.AddModel("acme/ten-minutes", async (_, ctx) =>
        {
            await ctx.DelayAsync(TimeSpan.FromMinutes(10));
            return "finally";
        });
        using var client = new ReplicateClient(new ReplicateClientOptions
        {
            ApiToken = emulator.ApiToken, BaseAddress = emulator.BaseAddress, TimeProvider = time, Wait = TimeSpan.Zero,
            PollingInterval = TimeSpan.FromSeconds(2),
        });
        var start = time.GetUtcNow();

        // Only the polls' short waits are advanced: the model's ten minutes pass as the client polls through them.
        var output = await time.RunAsync(client.RunAsync("acme/ten-minutes", new { }));

        Assert.Equal("finally", output.AsString());
        Assert.True(time.GetUtcNow() - start >= TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void RandomJson_DeserializesOrThrowsJsonException_NeverAnythingElse()
    {
        var random = new Random(2026);
        for (var i = 0; i < 3000; i++)
        {
            var json = RandomPredictionJson(random);
            try
            {
                JsonSerializer.Deserialize(json, ReplicateJsonContext.Default.Prediction);
            }
            catch (JsonException)
            {
                // Typed and expected for hostile input.
            }
        }
    }

    [Fact]
    public async Task RandomSse_ParsesTheSame_WhateverTheSplitsAndLineEndings()
    {
        var random = new Random(99);
        string[] newlines = ["\n", "\r", "\r\n"];
        for (var round = 0; round < 300; round++)
        {
            var events = Enumerable.Range(0, random.Next(1, 20)).Select(i => (
                Type: random.Next(5) switch { 0 => "logs", 1 => "x-unknown", _ => "output" },
                Data: string.Join("\n", Enumerable.Range(0, random.Next(1, 4)).Select(_ => RandomText(random))),
                Id: $"{1700000000 + (i / 3)}:{i}")).ToList();
            var newline = newlines[random.Next(newlines.Length)];
            var wire = new StringBuilder(random.Next(2) == 0 ? ": hi" + newline + newline : string.Empty);
            foreach (var (type, data, id) in events)
            {
                wire.Append("event: ").Append(type).Append(newline).Append("id: ").Append(id).Append(newline);
                foreach (var line in data.Split('\n'))
                {
                    wire.Append("data: ").Append(line).Append(newline);
                }

                wire.Append(newline);
            }

            using var stream = new SplittingStream(Encoding.UTF8.GetBytes(wire.ToString()), random);
            var parsed = new List<(string, string, string?)>();
            await foreach (var item in SseParser.Create(new BoundedLineStream(stream, 1 << 20), static (_, d) => Encoding.UTF8.GetString(d)).EnumerateAsync())
            {
                parsed.Add((item.EventType, item.Data, item.EventId));
            }

            Assert.Equal(events.Select(e => (e.Type, e.Data, (string?)e.Id)), parsed);
        }
    }

    [Fact]
    public async Task EventGuard_RefusesAnOversizedEvent_AsAFailedRead_WhetherTheReadsCompleteAtOnceOrLater()
    {
        var wire = Encoding.UTF8.GetBytes("event: output\ndata: " + new string('x', 3000) + "\n\n");
        for (var seed = 0; seed < 20; seed++)
        {
            using var guard = new BoundedLineStream(new SplittingStream(wire, new Random(seed)), 1024);
            var buffer = new byte[64];
            var failure = await Assert.ThrowsAsync<ReplicateException>(async () =>
            {
                while (true)
                {
                    // A refusal is a faulted read, never an exception out of ReadAsync itself.
                    ValueTask<int> read;
                    try
                    {
                        read = guard.ReadAsync(buffer);
                    }
                    catch (ReplicateException ex)
                    {
                        throw new InvalidOperationException("ReadAsync threw instead of returning a failed read.", ex);
                    }

                    if (await read == 0)
                    {
                        break;
                    }
                }
            });
            Assert.Contains("larger than 1024 bytes", failure.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void EventGuard_FindsTheLastBlankLine_LikeTheDefinitionSays()
    {
        // The guard's backward scan vs the definition: the last LF LF, CR CR or LF CR (CR LF alone is one line end).
        var random = new Random(7);
        byte[] alphabet = "\n\r\n\rab"u8.ToArray();
        for (var round = 0; round < 20_000; round++)
        {
            var data = new byte[random.Next(0, 40)];
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = alphabet[random.Next(alphabet.Length)];
            }

            var expected = Math.Max(Math.Max(data.AsSpan().LastIndexOf("\n\n"u8), data.AsSpan().LastIndexOf("\r\r"u8)), data.AsSpan().LastIndexOf("\n\r"u8));
            Assert.Equal(expected, BoundedLineStream.LastBlankLine(data));
        }
    }

    [Fact]
    public async Task TheToken_NeverAppearsInExceptionsLogsOrTelemetry()
    {
        const string token = "r8_SUPER_SECRET_do_not_leak_0123456789";
        var sink = new ListLoggerProvider();
        var tags = new List<string>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == ReplicateTelemetry.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (tags)
                {
                    tags.AddRange(a.TagObjects.Select(t => $"{t.Key}={t.Value}"));
                    tags.Add(a.DisplayName);
                }
            },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { ApiToken = token });
        emulator.Faults.Add(new EmulatorFault { Method = "GET", PathPrefix = "/v1/predictions/", StatusCode = 503, Times = 2 });
        using var loggerFactory = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(sink).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace));
        var clock = new TestClock();
        using var client = new ReplicateClient(new ReplicateClientOptions
        {
            ApiToken = token, BaseAddress = emulator.BaseAddress, LoggerFactory = loggerFactory, Wait = TimeSpan.Zero,
            PollingInterval = TimeSpan.FromMilliseconds(5), TimeProvider = clock,
        });
        using var wrongToken = new ReplicateClient(new ReplicateClientOptions { ApiToken = token + "x", BaseAddress = emulator.BaseAddress });
        var texts = new List<string> { client.ToString()!, new ReplicateClientOptions { ApiToken = token }.ToString() };

        async Task Capture(Func<Task> action)
        {
            try
            {
                await clock.RunAsync(action());
            }
            catch (Exception ex)
            {
                texts.Add(ex.ToString());
                texts.Add(ex.Message);
            }
        }

        await Capture(() => client.RunAsync("replicate/hello-world", new { text = "x" }));
        await Capture(() => client.RunAsync("replicate/failing-model", new { }));
        await Capture(() => client.Predictions.GetAsync("missing"));
        await Capture(() => wrongToken.Predictions.GetAsync("missing"));
        await Capture(() => client.Predictions.CreateAsync("acme/none", new { }));
        await Capture(async () =>
        {
            await foreach (var _ in client.StreamAsync("replicate/failing-model", new { }))
            {
            }
        });
        await Capture(() => Task.FromResult(new ReplicateClient("bad token " + token)));

        texts.AddRange(sink.Entries.Select(e => e.Message));
        texts.AddRange(tags);
        Assert.True(texts.Count > 20);
        Assert.All(texts, t => Assert.DoesNotContain(token, t, StringComparison.Ordinal));
        Assert.All(texts, t => Assert.DoesNotContain("SUPER_SECRET", t, StringComparison.Ordinal));
    }

    private static async Task<Prediction> CreateWithRetryAsync(ReplicateClient client)
    {
        for (var i = 0; ; i++)
        {
            try
            {
                return await client.Predictions.CreateAsync("replicate/hello-world", new { text = "seed" });
            }
            catch (ReplicateApiException) when (i < 20)
            {
            }
        }
    }

    private static string RandomPredictionJson(Random random)
    {
        string[] keys = ["id", "status", "model", "version", "output", "error", "logs", "created_at", "metrics", "urls", "input", "data_removed", "webhook_events_filter", "deadline", "unknown"];
        var builder = new StringBuilder("{");
        var count = random.Next(0, 8);
        for (var i = 0; i < count; i++)
        {
            builder.Append(i > 0 ? "," : string.Empty).Append('"').Append(keys[random.Next(keys.Length)]).Append("\":").Append(RandomValue(random, 0));
        }

        builder.Append('}');
        var json = builder.ToString();
        return random.Next(10) == 0 ? json[..random.Next(json.Length)] : json;
    }

    private static string RandomValue(Random random, int depth) => random.Next(depth > 3 ? 5 : 8) switch
    {
        0 => "null",
        1 => random.Next(2) == 0 ? "true" : "false",
        2 => random.Next(-1000, 1000).ToString(System.Globalization.CultureInfo.InvariantCulture),
        3 => "1e308",
        4 => JsonSerializer.Serialize(RandomText(random)),
        5 => "\"2024-10-04T18:07:35.123Z\"",
        6 => "[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth + 1))) + "]",
        _ => "{" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(i => $"\"k{i}\":{RandomValue(random, depth + 1)}")) + "}",
    };

    private static string RandomText(Random random)
    {
        const string alphabet = "abc XYZ 019:,{}\"'\\é✓🎉\t";
        var chars = new StringBuilder();
        var length = random.Next(0, 30);
        while (chars.Length < length)
        {
            var index = random.Next(alphabet.Length);
            chars.Append(char.IsHighSurrogate(alphabet[index]) ? alphabet.AsSpan(index, 2) : char.IsLowSurrogate(alphabet[index]) ? "x" : alphabet.AsSpan(index, 1));
        }

        return chars.ToString();
    }

    /// <summary>Returns the bytes in reads of random sizes, as a network does.</summary>
    private sealed class SplittingStream(byte[] data, Random random) : Stream
    {
        private int _position;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(buffer.Length, data.Length - _position), random.Next(1, 9));
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        // Half the reads complete at once, half later: the event guard has a path for each.
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            random.Next(2) == 0 ? ValueTask.FromResult(Read(buffer.Span)) : ReadLaterAsync(buffer);

        private async ValueTask<int> ReadLaterAsync(Memory<byte> buffer)
        {
            await Task.Yield();
            return Read(buffer.Span);
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => data.Length;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
