using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Replicate.Testing.Tests;

public sealed partial class StreamTests
{
    [Fact]
    public async Task Stream_starts_with_the_hi_comment_and_carries_tokens_logs_and_done()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.FromMilliseconds(1) });
        using var client = TestHttp.Client(emulator);
        var (_, prediction) = await TestHttp.PostAsync(client, "models/meta/meta-llama-3-8b-instruct/predictions", """{"input":{"prompt":"stream me"}}""");

        using var response = await OpenStreamAsync(client, prediction);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore);
        await using var body = await response.Content.ReadAsStreamAsync();
        var first = new byte[6];
        await body.ReadExactlyAsync(first);
        Assert.Equal(": hi\n\n", Encoding.UTF8.GetString(first));

        using var timeout = new CancellationTokenSource(TestHttp.DefaultTimeout);
        var events = await new SseReader(body).ReadAllAsync(timeout.Token);

        var done = events[^1];
        Assert.Equal("done", done.Event);
        Assert.Equal("{}", done.Data);
        Assert.Null(done.Id);
        var output = string.Concat(events.Where(e => e.Event == "output").Select(e => e.Data));
        var final = await TestHttp.GetJsonAsync(client, "predictions/" + prediction.Id());
        Assert.Equal(string.Concat(final.GetProperty("output").EnumerateArray().Select(t => t.GetString())), output);
        Assert.StartsWith("You said: stream me. ", output, StringComparison.Ordinal);
        Assert.Contains(events, e => e.Event == "logs" && e.Data.StartsWith("Generating", StringComparison.Ordinal));

        var sequences = events.Where(e => e.Id is not null).Select(e =>
        {
            var match = EventId().Match(e.Id!);
            Assert.True(match.Success, "bad id " + e.Id);
            return int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        }).ToList();
        Assert.Equal(events.Count - 1, sequences.Count);
        Assert.Equal(sequences.Order(), sequences);
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
    }

    [Fact]
    public async Task Multi_line_and_non_string_pieces_are_encoded_per_the_sse_spec()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        emulator.AddModel("acme/lines", (_, context) =>
        {
            context.Output("line one\nline two\r\nline three");
            context.Output(new { score = 0.5 });
            context.Log("multi\nline log");
            return Task.FromResult<object?>(null);
        });
        var (_, prediction) = await TestHttp.PostAsync(client, "models/acme/lines/predictions", """{"input":{}}""", ("Prefer", "wait"));

        using var response = await OpenStreamAsync(client, prediction);
        await using var body = await response.Content.ReadAsStreamAsync();
        var reader = new SseReader(body);
        using var timeout = new CancellationTokenSource(TestHttp.DefaultTimeout);
        var events = await reader.ReadAllAsync(timeout.Token);

        Assert.Equal("line one\nline two\nline three", events[0].Data);
        Assert.Contains("event: output\nid: " + events[0].Id + "\ndata: line one\ndata: line two\ndata: line three\n\n", reader.Raw.ToString(), StringComparison.Ordinal);
        Assert.Equal("""{"score":0.5}""", events[1].Data);
        Assert.Equal(("logs", "multi\nline log"), (events[2].Event, events[2].Data));
        Assert.Equal("done", events[3].Event);
        Assert.Equal(["line one\nline two\r\nline three", """{"score":0.5}"""], prediction.GetProperty("output").EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : e.GetRawText()));
    }

    [Fact]
    public async Task Whole_outputs_are_streamed_as_one_event_per_item_when_the_model_returns_them()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        var (_, prediction) = await TestHttp.PostAsync(
            client, "models/black-forest-labs/flux-schnell/predictions", """{"input":{"prompt":"x","num_outputs":2}}""", ("Prefer", "wait"));

        var events = await ReadStreamAsync(client, prediction);

        var urls = events.Where(e => e.Event == "output").Select(e => e.Data).ToList();
        Assert.Equal(prediction.GetProperty("output").EnumerateArray().Select(e => e.GetString()), urls);
        Assert.All(urls, u => Assert.StartsWith("http://127.0.0.1:", u, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Failure_sends_error_then_done_with_reason_error()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        var (_, prediction) = await TestHttp.PostAsync(client, "models/replicate/failing-model/predictions", """{"input":{}}""");

        var events = await ReadStreamAsync(client, prediction);

        Assert.Equal(["logs", "logs", "error", "done"], events.Select(e => e.Event));
        Assert.Equal("""{"detail":"E1000: simulated model failure"}""", events[2].Data);
        Assert.NotNull(events[2].Id);
        Assert.Equal("""{"reason":"error"}""", events[3].Data);
    }

    [Fact]
    public async Task Cancel_sends_done_with_reason_canceled_to_a_live_stream()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        emulator.AddModel("acme/forever", async (_, context) =>
        {
            context.Output("tick");
            await context.DelayAsync(TimeSpan.FromHours(1));
            return null;
        });
        var (_, prediction) = await TestHttp.PostAsync(client, "models/acme/forever/predictions", """{"input":{}}""");

        using var response = await OpenStreamAsync(client, prediction);
        await using var body = await response.Content.ReadAsStreamAsync();
        var reader = new SseReader(body);
        using var timeout = new CancellationTokenSource(TestHttp.DefaultTimeout);
        var tick = await reader.ReadAsync(timeout.Token);
        Assert.Equal("tick", tick?.Data);

        using var cancel = await client.PostAsync(new Uri("predictions/" + prediction.Id() + "/cancel", UriKind.Relative), null);
        var done = await reader.ReadAsync(timeout.Token);

        Assert.Equal("done", done?.Event);
        Assert.Equal("""{"reason":"canceled"}""", done?.Data);
        Assert.Null(await reader.ReadAsync(timeout.Token)); // the server closes the stream after done
    }

    [Fact]
    public async Task Last_event_id_resumes_after_that_event()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
        using var client = TestHttp.Client(emulator);
        var (_, prediction) = await TestHttp.PostAsync(
            client, "models/meta/meta-llama-3-8b-instruct/predictions", """{"input":{"prompt":"resume","max_tokens":10}}""", ("Prefer", "wait"));
        var all = await ReadStreamAsync(client, prediction);
        var cut = all[5];

        var resumed = await ReadStreamAsync(client, prediction, lastEventId: cut.Id);

        Assert.Equal(all.Skip(6), resumed);
    }

    [Fact]
    public async Task Resume_can_be_refused_with_410()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { StreamResumeSupported = false });
        using var client = TestHttp.Client(emulator);
        var (_, prediction) = await TestHttp.PostAsync(client, "models/replicate/hello-world/predictions", """{"input":{"text":"x"}}""", ("Prefer", "wait"));

        using var request = new HttpRequestMessage(HttpMethod.Get, prediction.GetProperty("urls").Str("stream"));
        request.Headers.Add("Last-Event-ID", "1700000000:0");
        using var refused = await client.SendAsync(request);
        var fresh = await ReadStreamAsync(client, prediction);

        Assert.Equal(HttpStatusCode.Gone, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(["output", "done"], fresh.Select(e => e.Event));
        Assert.Equal("hello x", fresh[0].Data);
    }

    [Fact]
    public async Task Drop_stream_after_events_resets_the_next_connection_only()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
        using var client = TestHttp.Client(emulator);
        var (_, prediction) = await TestHttp.PostAsync(
            client, "models/meta/meta-llama-3-8b-instruct/predictions", """{"input":{"prompt":"drop","max_tokens":10}}""", ("Prefer", "wait"));
        emulator.DropStreamAfterEvents = 3;

        using var response = await OpenStreamAsync(client, prediction);
        await using var body = await response.Content.ReadAsStreamAsync();
        var reader = new SseReader(body);
        using var timeout = new CancellationTokenSource(TestHttp.DefaultTimeout);
        var received = new List<SseEvent>();
        var ex = await Record.ExceptionAsync(async () =>
        {
            while (await reader.ReadAsync(timeout.Token) is { } e)
            {
                received.Add(e);
            }
        });

        Assert.Equal(3, received.Count);
        Assert.DoesNotContain(received, e => e.Event == "done");
        Assert.True(ex is null or IOException or HttpRequestException, "unexpected " + ex);
        Assert.Equal(0, emulator.DropStreamAfterEvents);

        var resumed = await ReadStreamAsync(client, prediction, lastEventId: received[^1].Id);
        Assert.Equal("done", resumed[^1].Event);
    }

    [Fact]
    public async Task Chunked_writes_and_pacing_still_produce_the_same_events()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions
        {
            DemoTokenDelay = TimeSpan.Zero,
            StreamWriteChunkSize = 3,
            StreamEventPacing = TimeSpan.FromMilliseconds(1),
        });
        using var client = TestHttp.Client(emulator);
        var (_, prediction) = await TestHttp.PostAsync(
            client, "models/meta/meta-llama-3-8b-instruct/predictions", """{"input":{"prompt":"chunks","max_tokens":8}}""", ("Prefer", "wait"));

        var events = await ReadStreamAsync(client, prediction);

        Assert.Equal(
            string.Concat(prediction.GetProperty("output").EnumerateArray().Select(t => t.GetString())),
            string.Concat(events.Where(e => e.Event == "output").Select(e => e.Data)));
        Assert.Equal("done", events[^1].Event);
    }

    [Fact]
    public async Task Closing_the_client_closes_the_server_side_stream()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        emulator.AddModel("acme/forever", async (_, context) =>
        {
            context.Output("tick");
            await context.DelayAsync(TimeSpan.FromHours(1));
            return null;
        });
        var (_, prediction) = await TestHttp.PostAsync(client, "models/acme/forever/predictions", """{"input":{}}""");

        var response = await OpenStreamAsync(client, prediction);
        var body = await response.Content.ReadAsStreamAsync();
        using var timeout = new CancellationTokenSource(TestHttp.DefaultTimeout);
        Assert.Equal("tick", (await new SseReader(body).ReadAsync(timeout.Token))?.Data);
        Assert.Equal(1, emulator.OpenStreamConnections);

        await body.DisposeAsync();
        response.Dispose();

        await TestHttp.EventuallyAsync(() => emulator.OpenStreamConnections == 0, "the server noticed the disconnect", TimeSpan.FromSeconds(10));
        Assert.Equal("processing", (await TestHttp.GetJsonAsync(client, "predictions/" + prediction.Id())).Status());
    }

    [Fact]
    public async Task Streams_need_no_auth_and_unknown_ids_are_404()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        using var anonymous = new HttpClient { Timeout = TestHttp.DefaultTimeout };
        var (_, prediction) = await TestHttp.PostAsync(client, "models/replicate/hello-world/predictions", """{"input":{"text":"x"}}""", ("Prefer", "wait"));

        var events = await ReadStreamAsync(anonymous, prediction);
        using var missing = await anonymous.GetAsync(new Uri(emulator.BaseAddress, "streams/nope"));

        Assert.Equal("done", events[^1].Event);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Models_without_streaming_have_no_stream_url()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        emulator.AddModel("acme/batch", (_, _) => Task.FromResult<object?>(1), o => o.SupportsStreaming = false);

        var (_, prediction) = await TestHttp.PostAsync(client, "models/acme/batch/predictions", """{"input":{}}""");

        Assert.False(prediction.GetProperty("urls").TryGetProperty("stream", out _));
    }

    [Fact]
    public async Task Dispose_ends_open_streams()
    {
        var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        emulator.AddModel("acme/forever", async (_, context) =>
        {
            await context.DelayAsync(TimeSpan.FromHours(1));
            return null;
        });
        var (_, prediction) = await TestHttp.PostAsync(client, "models/acme/forever/predictions", """{"input":{}}""");
        using var response = await OpenStreamAsync(client, prediction);
        await TestHttp.EventuallyAsync(() => emulator.OpenStreamConnections == 1, "the stream is open");

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await emulator.DisposeAsync();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), "dispose waited for the stream");
        Assert.Equal(0, emulator.OpenStreamConnections);
    }

    private static async Task<HttpResponseMessage> OpenStreamAsync(HttpClient client, JsonElement prediction, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, prediction.GetProperty("urls").Str("stream"));
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static async Task<List<SseEvent>> ReadStreamAsync(HttpClient client, JsonElement prediction, string? lastEventId = null)
    {
        using var response = await OpenStreamAsync(client, prediction, lastEventId);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        using var timeout = new CancellationTokenSource(TestHttp.DefaultTimeout);
        return await new SseReader(body).ReadAllAsync(timeout.Token);
    }

    [GeneratedRegex(@"^(\d{10}):(\d+)$")]
    private static partial Regex EventId();
}
