using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Replicate.Testing.Tests;

public sealed class LifetimeTests
{
    [Fact]
    public async Task Base_address_is_loopback_v1_with_a_trailing_slash()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();

        Assert.Equal("127.0.0.1", emulator.BaseAddress.Host);
        Assert.NotEqual(0, emulator.BaseAddress.Port);
        Assert.Equal("/v1/", emulator.BaseAddress.AbsolutePath);
        Assert.Equal("r8_emulator", emulator.ApiToken);
    }

    [Fact]
    public async Task Two_emulators_run_side_by_side_on_different_ports()
    {
        await using var a = await ReplicateEmulator.StartAsync();
        await using var b = await ReplicateEmulator.StartAsync();

        Assert.NotEqual(a.BaseAddress.Port, b.BaseAddress.Port);
    }

    [Fact]
    public async Task Dispose_cancels_running_handlers_and_frees_the_port()
    {
        var emulator = await ReplicateEmulator.StartAsync();
        var canceled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        emulator.AddModel("acme/forever", async (_, context) =>
        {
            context.CancellationToken.Register(() => canceled.TrySetResult());
            await context.DelayAsync(TimeSpan.FromHours(1));
            return null;
        });
        using (var client = TestHttp.Client(emulator))
        {
            var (_, created) = await TestHttp.PostAsync(client, "models/acme/forever/predictions", """{"input":{}}""");
            await TestHttp.WaitForStatusAsync(client, created.Id(), "processing");
        }

        var address = emulator.BaseAddress;
        await emulator.DisposeAsync();
        await emulator.DisposeAsync(); // idempotent

        // Binding the port proves it free, and holding it bound without listening keeps it from the next server that
        // asks for a free port (another test's), which would otherwise answer the check below.
        using var freed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        freed.Bind(new IPEndPoint(IPAddress.Loopback, address.Port));
        await canceled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        using var after = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Assert.ThrowsAsync<HttpRequestException>(() => after.GetAsync(address));
    }

    [Fact]
    public async Task Concurrent_sync_creates_each_create_exactly_one_prediction()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
        using var client = TestHttp.Client(emulator);

        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => TestHttp.PostAsync(
            client,
            i % 2 == 0 ? "models/replicate/hello-world/predictions" : "models/meta/meta-llama-3-8b-instruct/predictions",
            i % 2 == 0 ? """{"input":{"text":"x"}}""" : """{"input":{"prompt":"x","max_tokens":4}}""",
            ("Prefer", "wait=30"))));

        Assert.All(results, r => Assert.Equal(HttpStatusCode.Created, r.Response.StatusCode));
        Assert.All(results, r => Assert.Equal("succeeded", r.Body.Status()));
        Assert.Equal(40, results.Select(r => r.Body.Id()).Distinct().Count());
        Assert.Equal(40, emulator.PredictionsCreated);
        var page = await TestHttp.GetJsonAsync(client, "predictions");
        Assert.Equal(40, page.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public async Task Recording_can_be_turned_off()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { RecordRequests = false });
        using var client = TestHttp.Client(emulator);

        await TestHttp.GetJsonAsync(client, "models/replicate/hello-world");

        Assert.Empty(emulator.Requests);
    }

    [Fact]
    public async Task Context_files_and_model_failed_exception_reach_the_prediction()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        emulator.AddModel("acme/files", (input, context) =>
        {
            var a = context.AddFile("a.txt", "hello"u8.ToArray(), "text/plain");
            var b = context.AddFile("b.bin", "application/octet-stream", () => ReplicateEmulator.CreatePatternStream(300));
            Assert.Equal(JsonValueKind.Object, context.Input.ValueKind);
            Assert.Equal(26, context.PredictionId.Length);
            Assert.Same(emulator.Options.TimeProvider, context.TimeProvider);
            return Task.FromResult<object?>(new[] { a, b });
        });
        emulator.AddModel("acme/oom", (_, _) => throw new ModelFailedException("E1001: out of memory"));

        var (_, files) = await TestHttp.PostAsync(client, "models/acme/files/predictions", """{"input":{"k":1}}""", ("Prefer", "wait"));
        var (_, oom) = await TestHttp.PostAsync(client, "models/acme/oom/predictions", """{"input":{}}""", ("Prefer", "wait"));

        var urls = files.GetProperty("output").EnumerateArray().Select(e => e.GetString()!).ToArray();
        using var anonymous = new HttpClient();
        Assert.Equal("hello", await anonymous.GetStringAsync(new Uri(urls[0])));
        Assert.Equal(300, (await anonymous.GetByteArrayAsync(new Uri(urls[1]))).Length);
        Assert.Equal("E1001: out of memory", oom.Str("error"));
    }

    [Fact]
    public async Task Replacing_a_model_keeps_one_version_per_name()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        var first = emulator.AddModel("acme/m", (_, _) => Task.FromResult<object?>("one"), o => o.VersionId = new string('1', 64));
        var second = emulator.AddModel("acme/m", (_, _) => Task.FromResult<object?>("two"), o => o.VersionId = new string('2', 64));

        var (oldVersion, _) = await TestHttp.PostAsync(client, "predictions", "{\"version\":\"" + first.VersionId + "\",\"input\":{}}");
        var (_, current) = await TestHttp.PostAsync(client, "predictions", "{\"version\":\"" + second.VersionId + "\",\"input\":{}}", ("Prefer", "wait"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, oldVersion.StatusCode);
        Assert.Equal("two", current.Str("output"));
    }
}
