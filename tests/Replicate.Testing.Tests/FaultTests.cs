using System.Net;
using System.Text.Json;

namespace Replicate.Testing.Tests;

public sealed class FaultTests
{
    [Fact]
    public async Task Status_fault_answers_with_headers_and_default_problem_body_without_creating()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        emulator.Faults.Add(new EmulatorFault
        {
            Method = "POST",
            PathPrefix = "/v1/models/",
            StatusCode = 429,
            Headers = new Dictionary<string, string> { ["Retry-After"] = "2" },
        });

        var (throttled, problem) = await TestHttp.PostAsync(client, "models/replicate/hello-world/predictions", """{"input":{"text":"x"}}""");
        var (ok, _) = await TestHttp.PostAsync(client, "models/replicate/hello-world/predictions", """{"input":{"text":"x"}}""");

        Assert.Equal((HttpStatusCode)429, throttled.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(2), throttled.Headers.RetryAfter?.Delta);
        Assert.Equal("application/problem+json", throttled.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"detail":"Injected fault","status":429}""", problem.GetRawText());
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        Assert.Equal(1, emulator.PredictionsCreated);
        Assert.Equal(2, emulator.Requests.Count); // the faulted request is recorded too
        Assert.Equal(0, emulator.Faults.Count);
    }

    [Fact]
    public async Task Fault_applies_times_then_is_removed_and_matches_method_and_prefix()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        emulator.Faults.Add(new EmulatorFault
        {
            Method = "GET",
            PathPrefix = "/v1/models/replicate",
            Times = 2,
            StatusCode = 503,
            Body = "upstream unavailable",
            ContentType = "text/plain",
        });

        using var otherPath = await client.GetAsync(new Uri("models/meta/meta-llama-3-8b-instruct", UriKind.Relative));
        using var otherMethod = await client.PostAsync(new Uri("models/replicate/hello-world/predictions", UriKind.Relative), TestHttp.Json("""{"input":{"text":"x"}}"""));
        using var first = await client.GetAsync(new Uri("models/replicate/hello-world", UriKind.Relative));
        using var second = await client.GetAsync(new Uri("models/replicate/hello-world", UriKind.Relative));
        using var third = await client.GetAsync(new Uri("models/replicate/hello-world", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, otherPath.StatusCode);
        Assert.Equal(HttpStatusCode.Created, otherMethod.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.Equal("upstream unavailable", await first.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", first.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }

    [Fact]
    public async Task Reset_connection_fails_the_request_without_creating_a_prediction()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        emulator.Faults.Add(new EmulatorFault { PathPrefix = "/v1/predictions", Kind = EmulatorFaultKind.ResetConnection });

        await Assert.ThrowsAsync<HttpRequestException>(() =>
            client.PostAsync(new Uri("predictions", UriKind.Relative), TestHttp.Json("""{"version":"black-forest-labs/flux-schnell","input":{"prompt":"x"}}""")));

        Assert.Equal(0, emulator.PredictionsCreated);
        Assert.Single(emulator.Requests);
    }

    [Fact]
    public async Task Hang_never_answers_until_the_client_gives_up()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        emulator.Faults.Add(new EmulatorFault { Kind = EmulatorFaultKind.Hang });

        // Only the hung request gives up after 500 ms, counted from when the emulator took the fault: a 500 ms client
        // timeout also cut the healthy follow-up on a slow machine, and could run out before the request even arrived,
        // leaving the fault for the follow-up.
        using var giveUp = new CancellationTokenSource();
        var started = System.Diagnostics.Stopwatch.StartNew();
        var hung = client.GetAsync(new Uri("models/replicate/hello-world", UriKind.Relative), giveUp.Token);
        await TestHttp.EventuallyAsync(() => emulator.Faults.Count == 0, "the hanging request arrived");
        giveUp.CancelAfter(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAsync<TaskCanceledException>(() => hung);

        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(10));
        using var after = await client.GetAsync(new Uri("models/replicate/hello-world", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Hang_ends_when_the_emulator_is_disposed()
    {
        var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator, timeout: TimeSpan.FromSeconds(30));
        emulator.Faults.Add(new EmulatorFault { Kind = EmulatorFaultKind.Hang });
        var pending = client.GetAsync(new Uri("models/replicate/hello-world", UriKind.Relative));
        await TestHttp.EventuallyAsync(() => emulator.Requests.Count == 1, "the hanging request arrived");

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await emulator.DisposeAsync();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(5), "dispose waited for the hung request");
        await Assert.ThrowsAsync<HttpRequestException>(() => pending);
    }

    [Fact]
    public async Task Truncated_body_promises_more_bytes_than_it_sends()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        emulator.Faults.Add(new EmulatorFault
        {
            Kind = EmulatorFaultKind.TruncatedBody,
            StatusCode = 200,
            ContentType = "application/json",
            Body = """{"id":"abc","status":"succ""",
        });

        using var response = await client.GetAsync(new Uri("predictions/abc", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Content.Headers.ContentLength > 26);

        var ex = await Record.ExceptionAsync(() => response.Content.ReadAsByteArrayAsync());
        Assert.True(ex is HttpRequestException or IOException, "expected a truncated-body error, got " + ex);
    }

    [Fact]
    public async Task Clear_removes_pending_faults()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        emulator.Faults.Add(new EmulatorFault { StatusCode = 500 });
        emulator.Faults.Clear();

        var model = await TestHttp.GetJsonAsync(client, "models/replicate/hello-world");

        Assert.Equal(JsonValueKind.Object, model.ValueKind);
    }
}
