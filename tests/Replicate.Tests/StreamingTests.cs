using Microsoft.AspNetCore.Http;
using Replicate.Testing;
using Replicate.Tests.Infrastructure;
using WireMock.Server;
using static Replicate.Tests.Infrastructure.ScriptedApi;

namespace Replicate.Tests;

public class StreamingTests
{
    private const string Llama = "meta/meta-llama-3-8b-instruct";

    private static async Task<List<StreamEvent>> Collect(IAsyncEnumerable<StreamEvent> events)
    {
        var list = new List<StreamEvent>();
        await foreach (var e in events)
        {
            list.Add(e);
        }

        return list;
    }

    private static string Text(IEnumerable<StreamEvent> events) => string.Concat(events.Select(e => e.ToString()));

    [Fact]
    public async Task Stream_YieldsTokensInOrder_EndingWithDone()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var expected = (await h.Client.RunAsync(Llama, new { prompt = "hello" })).ToString();
        h.Emulator.ClearRequests();

        var events = await Collect(h.Client.StreamAsync(Llama, new { prompt = "hello" }));

        Assert.Equal(expected, Text(events));
        Assert.Equal(StreamEventType.Done, events[^1].Type);
        Assert.False(events[^1].IsCanceled);
        Assert.Contains(events, e => e.Type == StreamEventType.Logs);
        Assert.All(events.Where(e => e.Type == StreamEventType.Logs), e => Assert.Equal(string.Empty, e.ToString()));
        Assert.All(events.Where(e => e.Type != StreamEventType.Done), e => Assert.NotNull(e.Id));
        var create = Assert.Single(h.Requests("POST", "/v1/"));
        Assert.Contains("\"stream\":true", create.Body, StringComparison.Ordinal);
        var stream = Assert.Single(h.Requests("GET", "/v1/streams/"));
        Assert.Equal("text/event-stream", stream.Headers["Accept"]);
        Assert.Empty(h.Requests("POST", "/v1/predictions/"));
    }

    [Fact]
    public async Task StreamText_YieldsOnlyOutput()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var pieces = new List<string>();
        await foreach (var piece in h.Client.StreamTextAsync(Llama, new { prompt = "hi", max_tokens = 5 }))
        {
            pieces.Add(piece);
        }

        Assert.Equal(5, pieces.Count);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public async Task EventsSplitAcrossReads_ParseTheSame(int chunk)
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.StreamWriteChunkSize = chunk);
        h.Emulator.AddModel("acme/multiline", (_, ctx) =>
        {
            ctx.Output("line one\nline two");
            ctx.Output(" ünïcödé ✓ 🎉");
            return Task.FromResult<object?>(null);
        });

        var events = await Collect(h.Client.StreamAsync("acme/multiline", new { }));

        Assert.Equal("line one\nline two ünïcödé ✓ 🎉", Text(events));
    }

    [Fact]
    public async Task OneMebibyteEvent_ArrivesWhole()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var big = new string('x', 1 << 20);
        h.Emulator.AddModel("acme/big", (_, ctx) =>
        {
            ctx.Output(big);
            return Task.FromResult<object?>(null);
        });

        var events = await Collect(h.Client.StreamAsync("acme/big", new { }));

        Assert.Equal(big, Assert.Single(events, e => e.Type == StreamEventType.Output).Data);
    }

    [Fact]
    public async Task ErrorEvent_ThrowsPredictionFailedException_WithTheDetail()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var seen = new List<StreamEvent>();

        var ex = await Assert.ThrowsAsync<PredictionFailedException>(async () =>
        {
            await foreach (var e in h.Client.StreamAsync("replicate/failing-model", new { }))
            {
                seen.Add(e);
            }
        });

        Assert.Contains("E1000", ex.Error, StringComparison.Ordinal);
        Assert.Equal(PredictionStatus.Failed, ex.Status);
        Assert.Contains(seen, e => e.Type == StreamEventType.Logs);
        Assert.Empty(h.Requests("POST", "/v1/predictions/"));
    }

    [Fact]
    public async Task CanceledOnTheServer_EndsWithACanceledDone()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/endless", async (_, ctx) =>
        {
            for (var i = 0; ; i++)
            {
                ctx.Output($"t{i} ");
                await ctx.DelayAsync(TimeSpan.FromMilliseconds(5));
            }
        });
        var prediction = await h.Client.Predictions.CreateAsync("acme/endless", new { });

        var events = new List<StreamEvent>();
        await foreach (var e in h.Client.Predictions.StreamAsync(prediction))
        {
            events.Add(e);
            if (events.Count == 3)
            {
                await h.Client.Predictions.CancelAsync(prediction.Id);
            }
        }

        Assert.True(events[^1].IsCanceled);
    }

    [Fact]
    public async Task DroppedConnection_ResumesWithLastEventId_NoTokenLostOrDuplicated()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var tokens = Enumerable.Range(0, 40).Select(i => $"tok{i} ").ToArray();
        h.Emulator.AddModel("acme/tokens", (_, ctx) =>
        {
            foreach (var token in tokens)
            {
                ctx.Output(token);
            }

            return Task.FromResult<object?>(null);
        });
        h.Emulator.DropStreamAfterEvents = 7;

        var events = await Collect(h.Client.StreamAsync("acme/tokens", new { }));

        Assert.Equal(string.Concat(tokens), Text(events));
        var streams = h.Requests("GET", "/v1/streams/");
        Assert.Equal(2, streams.Count);
        Assert.False(streams[0].Headers.ContainsKey("Last-Event-ID"));
        Assert.True(streams[1].Headers.ContainsKey("Last-Event-ID"));
    }

    [Fact]
    public async Task DroppedConnection_ServerCannotResume_FallsBackToPolling_NoTokenLostOrDuplicated()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.StreamResumeSupported = false);
        var tokens = Enumerable.Range(0, 30).Select(i => $"w{i} ").ToArray();
        h.Emulator.AddModel("acme/tokens", (_, ctx) =>
        {
            foreach (var token in tokens)
            {
                ctx.Output(token);
            }

            return Task.FromResult<object?>(null);
        });
        h.Emulator.DropStreamAfterEvents = 5;

        var events = await Collect(h.Client.StreamAsync("acme/tokens", new { }));

        Assert.Equal(string.Concat(tokens), Text(events));
        Assert.Equal(StreamEventType.Done, events[^1].Type);
        Assert.NotEmpty(h.Requests("GET", "/v1/predictions/"));
    }

    [Fact]
    public async Task StreamThatKeepsDropping_EndsWithAnException_NotAQuietEnd()
    {
        // Each stream connection sends an event, then resets: WireMock cannot reset a connection (see ConnectionFaultServer).
        Uri? streamUrl = null;
        await using var server = await ConnectionFaultServer.StartAsync(async (context, n) =>
        {
            if (context.Request.Method == "POST")
            {
                var body = Prediction(status: "starting", output: "null").Replace("\"urls\":{", $"\"urls\":{{\"stream\":\"{streamUrl}\",", StringComparison.Ordinal);
                await ConnectionFaultServer.WriteJsonAsync(context, 201, body);
                return;
            }

            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync($"event: output\nid: 1:{n}\ndata: part{n}\n\n");
            await context.Response.Body.FlushAsync();
            await Task.Delay(50);
            context.Abort();
        });
        streamUrl = new Uri(server.BaseAddress, "streams/p1");
        var clock = new TestClock();
        using var client = Client(server.BaseAddress, clock, maxRetries: 3);

        var ex = await Assert.ThrowsAnyAsync<ReplicateException>(() => clock.RunAsync(Collect(client.StreamAsync("acme/echo", new { }, new PredictionOptions { CancelOnAbandon = false }))));

        Assert.Contains("dropped", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BreakingOut_ClosesTheConnection_AndCancelsThePrediction()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/endless", async (_, ctx) =>
        {
            for (var i = 0; ; i++)
            {
                ctx.Output($"t{i} ");
                await ctx.DelayAsync(TimeSpan.FromMilliseconds(5));
            }
        });

        string? id = null;
        await foreach (var e in h.Client.StreamAsync("acme/endless", new { }))
        {
            id = h.Requests("GET", "/v1/streams/")[0].Path.Split('/')[^1];
            Assert.Equal(1, h.Emulator.OpenStreamConnections);
            break;
        }

        await RetryTests.WaitUntil(() => h.Emulator.OpenStreamConnections == 0);
        Assert.Single(h.Requests("POST", $"/v1/predictions/{id}/cancel"));
        Assert.Equal(PredictionStatus.Canceled, (await h.Client.Predictions.WaitAsync(await h.Client.Predictions.GetAsync(id!))).Status);
    }

    [Fact]
    public async Task BreakingOutRightAfterDone_SendsNoCancel()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/short", (_, ctx) =>
        {
            ctx.Output("only");
            return Task.FromResult<object?>(null);
        });

        await foreach (var e in h.Client.StreamAsync("acme/short", new { }))
        {
            if (e.Type == StreamEventType.Done)
            {
                break;
            }
        }

        Assert.DoesNotContain(h.Emulator.Requests, r => r.Path.EndsWith("/cancel", StringComparison.Ordinal));
        Assert.Equal(["POST", "GET"], h.Emulator.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task CancelingTheToken_ClosesTheConnectionPromptly()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/quiet", async (_, ctx) =>
        {
            ctx.Output("first");
            await ctx.DelayAsync(TimeSpan.FromMinutes(10));
            return null;
        });
        using var cts = new CancellationTokenSource();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in h.Client.StreamAsync("acme/quiet", new { }, cancellationToken: cts.Token))
            {
                await cts.CancelAsync();
            }
        });

        await RetryTests.WaitUntil(() => h.Emulator.OpenStreamConnections == 0);
        Assert.Single(h.Requests("POST", "/v1/predictions/"), r => r.Path.EndsWith("/cancel", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CancelingTheWithCancellationToken_StopsTheStream_EvenWithAnotherTokenPassedToStreamAsync()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/quiet", async (_, ctx) =>
        {
            ctx.Output("first");
            await ctx.DelayAsync(TimeSpan.FromMinutes(10));
            return null;
        });
        using var callToken = new CancellationTokenSource();
        using var loopToken = new CancellationTokenSource();

        var events = new List<StreamEvent>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in h.Client.StreamAsync("acme/quiet", new { }, cancellationToken: callToken.Token).WithCancellation(loopToken.Token))
            {
                events.Add(e);
                await loopToken.CancelAsync();
            }
        });

        Assert.Equal("first", Assert.Single(events).Data);
        Assert.False(callToken.IsCancellationRequested);
        await RetryTests.WaitUntil(() => h.Emulator.OpenStreamConnections == 0);
        var cancel = Assert.Single(h.Requests("POST", "/v1/predictions/"), r => r.Path.EndsWith("/cancel", StringComparison.Ordinal));
        Assert.Equal(PredictionStatus.Canceled, (await h.Client.Predictions.WaitAsync(await h.Client.Predictions.GetAsync(cancel.Path.Split('/')[^2]))).Status);
    }

    [Fact]
    public async Task HttpClientTimeout_DoesNotCutALongStream()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
        // The stream lasts 4 s, clearly past the 3 s timeout; the timeout still bounds the create and the stream's headers,
        // which a loaded machine can hold up for a second (a 1 s timeout failed them there).
        emulator.AddModel("acme/slow-tokens", async (_, ctx) =>
        {
            for (var i = 0; i < 8; i++)
            {
                ctx.Output($"t{i} ");
                await ctx.DelayAsync(TimeSpan.FromMilliseconds(500));
            }

            return null;
        });
        var options = new ReplicateClientOptions { ApiToken = emulator.ApiToken, BaseAddress = emulator.BaseAddress };
        using var http = new HttpClient(ReplicateClient.CreateHttpMessageHandler(options)) { Timeout = TimeSpan.FromSeconds(3) };
        using var client = new ReplicateClient(http, options);

        var events = await Collect(client.StreamAsync("acme/slow-tokens", new { }));

        Assert.Equal("t0 t1 t2 t3 t4 t5 t6 t7 ", Text(events));
    }

    [Fact]
    public async Task ModelWithoutStreaming_SaysSo()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/batch", (_, _) => Task.FromResult<object?>("x"), o => o.SupportsStreaming = false);
        var ex = await Assert.ThrowsAsync<ReplicateException>(() => Collect(h.Client.StreamAsync("acme/batch", new { })));
        Assert.Contains("does not support streaming", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACreateTheApiRefuses_ThrowsFromTheFirstMove_AndCancelsNothing()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => Collect(h.Client.StreamAsync("acme/no-such-model", new { })));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Single(h.Emulator.Requests);
        Assert.DoesNotContain(h.Emulator.Requests, r => r.Path.EndsWith("/cancel", StringComparison.Ordinal));
        Assert.Empty(h.Requests("GET", "/v1/streams/"));
    }

    [Fact]
    public async Task FileStream_ExposesFileOutputs()
    {
        await using var h = await EmulatorHarness.StartAsync();
        h.Emulator.AddModel("acme/frames", (_, ctx) =>
        {
            ctx.Output(ctx.AddFile("frame0.txt", "zero"u8.ToArray(), "text/plain"));
            ctx.Output("data:text/plain;base64,b25l");
            return Task.FromResult<object?>(null);
        });

        var outputs = (await Collect(h.Client.StreamAsync("acme/frames", new { }))).Where(e => e.Type == StreamEventType.Output).ToList();

        Assert.Equal("zero"u8.ToArray(), await outputs[0].File!.ReadAllBytesAsync());
        Assert.Equal("one"u8.ToArray(), await outputs[1].File!.ReadAllBytesAsync());
        Assert.Null(new StreamEvent(StreamEventType.Output, "plain text").File);
    }

    [Theory]
    [InlineData("\n")]
    [InlineData("\r")]
    [InlineData("\r\n")]
    public async Task RawSse_LineEndingsCommentsMultilineAndUnknownEvents(string newline)
    {
        var wire = string.Join(newline,
            ": hi", "",
            "event: output", "id: 1:1", "data: Hello", "data: world", "",
            ":408: 408 Request Timeout", "",
            "event: metrics", "id: 1:2", "data: {\"tps\":3}", "",
            "event: output", "id: 1:3", "data:  spaced", "",
            "event: done", "data: {}", "", "");
        using var server = SseServer(wire);
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);

        var events = await clock.RunAsync(Collect(client.Predictions.StreamAsync(StreamingPrediction(server.ApiBase()))));

        Assert.Equal(4, events.Count);
        Assert.Equal("Hello\nworld", events[0].Data);
        Assert.Equal("1:1", events[0].Id);
        Assert.Equal("metrics", events[1].Type.Value);
        Assert.Equal(string.Empty, events[1].ToString());
        Assert.Equal(" spaced", events[2].Data);
        Assert.Equal(StreamEventType.Done, events[3].Type);
    }

    [Fact]
    public async Task NonEventStreamResponse_IsAReplicateApiException_WithTheBody()
    {
        using var server = Start();
        server.Given(Api("streams/p1")).RespondWith(Json(200, "{\"detail\":\"not a stream\"}"));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => clock.RunAsync(Collect(client.Predictions.StreamAsync(StreamingPrediction(server.ApiBase())))));

        Assert.Contains("text/event-stream", ex.Message, StringComparison.Ordinal);
        Assert.Contains("not a stream", ex.ResponseBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HugeEvent_IsRefused_NotBufferedWithoutBound()
    {
        // One event of up to 100 MiB, written a mebibyte at a time; the writing stops when the client hangs up.
        using var server = Start();
        server.Given(Api("streams/p1")).RespondWith(Streamed("text/event-stream", queue =>
        {
            queue.Write("event: output\ndata: ");
            var chunk = new string('a', 1 << 20);
            for (var i = 0; i < 100; i++)
            {
                queue.Write(chunk);
            }

            return Task.CompletedTask;
        }));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);

        var ex = await Assert.ThrowsAsync<ReplicateException>(() => clock.RunAsync(Collect(client.Predictions.StreamAsync(StreamingPrediction(server.ApiBase())))));

        Assert.Contains("larger than 16 MiB, the limit (ReplicateClientOptions.MaxStreamEventSize)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BufferedBursts_AfterAResume_SkipWhatTheServerReplays()
    {
        // Both connections send everything in one write, so the events come from the parser's buffer (the enumerator's
        // read-ahead path). The second connection replays 30..50 before going on: each token arrives once.
        using var server = Start();
        server.Sequence(Api("streams/p1"), Sse(OutputEvents(1, 50)), Sse(OutputEvents(30, 100) + "event: done\ndata: {}\n\n"));
        var clock = new TestClock();
        using var client = new ReplicateClient(new ReplicateClientOptions
        {
            ApiToken = Token, BaseAddress = server.ApiBase(), TimeProvider = clock, RetryDelay = TimeSpan.Zero,
        });

        var events = await clock.RunAsync(Collect(client.Predictions.StreamAsync(StreamingPrediction(server.ApiBase()))));

        Assert.Equal(Enumerable.Range(1, 100).Select(i => $"t{i}"), events.Where(e => e.Type == StreamEventType.Output).Select(e => e.Data));
        Assert.Equal(StreamEventType.Done, events[^1].Type);
        var requests = server.Requests();
        Assert.Equal(2, requests.Count);
        Assert.Null(requests[0].Header("Last-Event-ID"));
        Assert.Equal("1:50", requests[1].Header("Last-Event-ID"));
    }

    [Fact]
    public async Task BufferedBurst_WithAnErrorInTheMiddle_DeliversWhatCameBefore_ThenThrows()
    {
        using var server = SseServer(OutputEvents(1, 20) + "event: error\ndata: {\"detail\":\"CUDA out of memory\"}\n\n" + OutputEvents(21, 30));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);
        var seen = new List<string>();

        var ex = await Assert.ThrowsAsync<PredictionFailedException>(() => clock.RunAsync(Task.Run(async () =>
        {
            await foreach (var e in client.Predictions.StreamAsync(StreamingPrediction(server.ApiBase())))
            {
                seen.Add(e.Data);
            }
        })));

        Assert.Equal(Enumerable.Range(1, 20).Select(i => $"t{i}"), seen);
        Assert.Contains("CUDA out of memory", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BreakingOutOfABufferedBurst_EndsCleanly_AndANewEnumerationStartsOver()
    {
        using var server = SseServer(OutputEvents(1, 200) + "event: done\ndata: {}\n\n");
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);
        var stream = client.Predictions.StreamAsync(StreamingPrediction(server.ApiBase()));

        var first = new List<string>();
        await clock.RunAsync(Task.Run(async () =>
        {
            await foreach (var e in stream)
            {
                first.Add(e.Data);
                if (first.Count == 10)
                {
                    break;
                }
            }
        }));

        var again = await clock.RunAsync(Collect(stream));

        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"t{i}"), first);
        Assert.Equal(201, again.Count);
        Assert.Equal(2, server.LogEntries.Count);
    }

    [Fact]
    public async Task CancelingDuringABufferedBurst_StopsAtOnce_NotABufferLater()
    {
        using var server = SseServer(OutputEvents(1, 200) + "event: done\ndata: {}\n\n");
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);
        using var cts = new CancellationTokenSource();
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => clock.RunAsync(Task.Run(async () =>
        {
            await foreach (var e in client.Predictions.StreamAsync(StreamingPrediction(server.ApiBase()), cts.Token))
            {
                if (++seen == 10)
                {
                    await cts.CancelAsync();
                }
            }
        })));

        Assert.Equal(10, seen);
    }

    private static string OutputEvents(int from, int to) =>
        string.Concat(Enumerable.Range(from, to - from + 1).Select(i => $"event: output\nid: 1:{i}\ndata: t{i}\n\n"));

    [Fact]
    public async Task ConsoleWrite_PrintsOnlyText() =>
        Assert.Equal("abc", string.Concat(new[]
        {
            new StreamEvent(StreamEventType.Output, "a"),
            new StreamEvent(StreamEventType.Logs, "log"),
            new StreamEvent(StreamEventType.Output, "bc"),
            new StreamEvent(StreamEventType.Done, "{}"),
        }.Select(e => e.ToString())));

    /// <summary>A server whose stream URL answers with <paramref name="wire"/>, sent whole.</summary>
    private static WireMockServer SseServer(string wire)
    {
        var server = Start();
        server.Given(Api("streams/p1")).RespondWith(Sse(wire));
        return server;
    }

    private static WireMock.ResponseBuilders.IResponseBuilder Sse(string wire) => Json(200, wire, "text/event-stream");

    private static Prediction StreamingPrediction(Uri baseAddress) => new()
    {
        Id = "p1",
        Status = PredictionStatus.Processing,
        Urls = new PredictionUrls { Stream = new Uri(baseAddress, "streams/p1") },
    };
}
