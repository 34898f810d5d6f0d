using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Replicate.Testing.Tests;

public sealed partial class CreatePredictionTests
{
    private const string HelloWorldVersion = "replicate/hello-world";

    [Fact]
    public async Task Models_endpoint_creates_a_prediction_with_replicates_shape()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (response, prediction) = await TestHttp.PostAsync(
            client, "models/meta/meta-llama-3-8b-instruct/predictions", """{"input":{"prompt":"hi"}}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var id = prediction.Id();
        Assert.Matches(IdPattern(), id);
        Assert.Equal(new Uri(emulator.BaseAddress, "predictions/" + id), response.Headers.Location);
        Assert.Equal("meta/meta-llama-3-8b-instruct", prediction.Str("model"));
        Assert.Equal("hidden", prediction.Str("version"));
        Assert.Equal("hi", prediction.GetProperty("input").GetProperty("prompt").GetString());
        Assert.Equal("api", prediction.Str("source"));
        Assert.False(prediction.GetProperty("data_removed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, prediction.GetProperty("error").ValueKind);
        Assert.Matches(TimestampPattern(), prediction.Str("created_at"));
        var urls = prediction.GetProperty("urls");
        Assert.Equal(emulator.BaseAddress + "predictions/" + id, urls.Str("get"));
        Assert.Equal(emulator.BaseAddress + "predictions/" + id + "/cancel", urls.Str("cancel"));
        Assert.Equal("https://replicate.com/p/" + id, urls.Str("web"));
        Assert.Equal(emulator.BaseAddress + "streams/" + id, urls.Str("stream"));
        Assert.Equal(1, emulator.PredictionsCreated);

        var done = await TestHttp.WaitForStatusAsync(client, id, "succeeded");
        Assert.Matches(TimestampPattern(), done.Str("started_at"));
        Assert.Matches(TimestampPattern(), done.Str("completed_at"));
        var text = string.Concat(done.GetProperty("output").EnumerateArray().Select(t => t.GetString()));
        Assert.StartsWith("You said: hi. ", text);
        Assert.Contains("Generated", done.Str("logs"));
        var metrics = done.GetProperty("metrics");
        Assert.True(metrics.GetProperty("predict_time").GetDouble() >= 0);
        Assert.True(metrics.GetProperty("total_time").GetDouble() >= metrics.GetProperty("predict_time").GetDouble());
    }

    [Fact]
    public async Task Predictions_endpoint_resolves_every_version_form()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        var version = emulator.AddModel("acme/echo", (input, _) => Task.FromResult<object?>(input.GetProperty("text").GetString()), o => o.IsOfficial = false).VersionId;

        var (bare, byId) = await TestHttp.PostAsync(client, "predictions", $$$"""{"version":"{{{version}}}","input":{"text":"a"}}""");
        var (named, byName) = await TestHttp.PostAsync(client, "predictions", $$$"""{"version":"acme/echo:{{{version}}}","input":{"text":"b"}}""");
        var (_, official) = await TestHttp.PostAsync(client, "predictions", """{"version":"black-forest-labs/flux-schnell","input":{"prompt":"x"}}""");

        Assert.Equal(HttpStatusCode.Created, bare.StatusCode);
        Assert.Equal(HttpStatusCode.Created, named.StatusCode);
        Assert.Equal(version, byId.Str("version"));
        Assert.Equal("acme/echo", byId.Str("model"));
        Assert.Equal(version, byName.Str("version"));
        Assert.Equal("hidden", official.Str("version"));
        Assert.Equal("b", (await TestHttp.WaitForStatusAsync(client, byName.Id(), "succeeded")).Str("output"));
    }

    [Fact]
    public async Task Version_ids_are_deterministic_sha256_of_the_model_name()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        var model = emulator.AddModel("acme/echo", (_, _) => Task.FromResult<object?>(null));

        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("acme/echo"u8));
        Assert.Equal(expected, model.VersionId);
        Assert.Equal("acme", model.Owner);
        Assert.Equal("echo", model.Name);
    }

    [Theory]
    [InlineData("acme/unknown")]
    [InlineData("replicate/hello-world")] // not official: a version is required
    [InlineData("replicate/hello-world:0000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("1111111111111111111111111111111111111111111111111111111111111111")]
    [InlineData("not a version")]
    public async Task Unknown_or_forbidden_versions_are_422(string version)
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (response, problem) = await TestHttp.PostAsync(client, "predictions", $$$"""{"version":"{{{version}}}","input":{"text":"x"}}""");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Invalid version or not permitted", problem.Str("title"));
        Assert.Equal(422, problem.GetProperty("status").GetInt32());
        Assert.Equal(0, emulator.PredictionsCreated);
    }

    [Fact]
    public async Task Non_official_model_on_models_endpoint_reports_its_real_version()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (response, prediction) = await TestHttp.PostAsync(client, "models/" + HelloWorldVersion + "/predictions", """{"input":{"text":"world"}}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Matches("^[0-9a-f]{64}$", prediction.Str("version"));
        var done = await TestHttp.WaitForStatusAsync(client, prediction.Id(), "succeeded");
        Assert.Equal("hello world", done.Str("output"));
    }

    [Fact]
    public async Task Deployment_endpoint_runs_the_deployed_model_and_names_the_deployment()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        emulator.AddDeployment("acme/greeter", "replicate/hello-world");

        var (response, prediction) = await TestHttp.PostAsync(client, "deployments/acme/greeter/predictions", """{"input":{"text":"deploy"}}""");
        var (missing, _) = await TestHttp.PostAsync(client, "deployments/acme/none/predictions", """{"input":{"text":"x"}}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("acme/greeter", prediction.Str("deployment"));
        Assert.Equal("replicate/hello-world", prediction.Str("model"));
        Assert.Matches("^[0-9a-f]{64}$", prediction.Str("version"));
        Assert.Equal("hello deploy", (await TestHttp.WaitForStatusAsync(client, prediction.Id(), "succeeded")).Str("output"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Throws<ArgumentException>(() => emulator.AddDeployment("acme/x", "acme/not-registered"));
    }

    [Fact]
    public async Task Unknown_model_on_models_endpoint_is_404()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (response, problem) = await TestHttp.PostAsync(client, "models/acme/nothing/predictions", """{"input":{}}""");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("""{"input":{"text":"x"},"webhook":null}""", "webhook")]
    [InlineData("""{"input":{"text":"x"},"webhook_events_filter":null}""", "webhook_events_filter")]
    [InlineData("""{"input":{"text":"x"},"stream":null}""", "stream")]
    [InlineData("""{"input":{"text":"x"},"webhook_completed":"https://example.com"}""", "webhook_completed")]
    [InlineData("""{"input":{"text":"x"},"version":"abc"}""", "version")] // version is not a field of this endpoint
    [InlineData("""{"input":null}""", "input")]
    [InlineData("""{"input":"text"}""", "input")]
    [InlineData("""{"text":"x"}""", "text")]
    [InlineData("""{}""", "input")]
    [InlineData("""[]""", "object")]
    [InlineData("""{"input":{"text":"x"},"webhook_events_filter":["completed","bogus"]}""", "webhook_events_filter")]
    [InlineData("""{"input":{"text":"x"},"webhook":"not a url"}""", "webhook")]
    [InlineData("""{"input":{}}""", "text")] // the model's schema requires text
    [InlineData("""{"input":{"text":5}}""", "input.text")]
    public async Task Invalid_bodies_are_422_naming_the_field(string body, string field)
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (response, problem) = await TestHttp.PostAsync(client, "models/replicate/hello-world/predictions", body);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(field, problem.Str("detail"), StringComparison.Ordinal);
        Assert.Equal(422, problem.GetProperty("status").GetInt32());
        Assert.Equal(0, emulator.PredictionsCreated);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("")]
    [InlineData("{\"input\":{}} trailing")]
    public async Task Malformed_json_is_400(string body)
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (response, problem) = await TestHttp.PostAsync(client, "predictions", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Webhook_filter_and_deprecated_stream_flag_are_accepted_and_stored()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (response, prediction) = await TestHttp.PostAsync(
            client,
            "models/replicate/hello-world/predictions",
            """{"input":{"text":"x"},"webhook":"https://example.com/hook?x=1","webhook_events_filter":["start","completed"],"stream":true}""");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("https://example.com/hook?x=1", prediction.Str("webhook"));
        Assert.Equal(["start", "completed"], prediction.GetProperty("webhook_events_filter").EnumerateArray().Select(e => e.GetString()));
        var again = await TestHttp.GetJsonAsync(client, "predictions/" + prediction.Id());
        Assert.Equal("https://example.com/hook?x=1", again.Str("webhook"));
    }

    [Fact]
    public async Task Handler_exception_fails_the_prediction_and_keeps_logs()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var (_, created) = await TestHttp.PostAsync(client, "models/replicate/failing-model/predictions", """{"input":{}}""");
        var (_, custom) = await TestHttp.PostAsync(client, "models/replicate/failing-model/predictions", """{"input":{"message":"E1001: out of memory"}}""");

        var failed = await TestHttp.WaitForTerminalAsync(client, created.Id());
        Assert.Equal("failed", failed.Status());
        Assert.Equal("E1000: simulated model failure", failed.Str("error"));
        Assert.Equal("Loading weights\nRunning prediction\n", failed.Str("logs"));
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("output").ValueKind);
        Assert.Equal("E1001: out of memory", (await TestHttp.WaitForTerminalAsync(client, custom.Id())).Str("error"));
    }

    [Fact]
    public async Task Handler_outputs_are_serialized_with_web_defaults()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        emulator.AddModel("acme/object", (_, _) => Task.FromResult<object?>(new { FileUrl = new Uri("https://example.com/a.png"), Count = 2 }));
        emulator.AddModel("acme/throws", (_, _) => throw new InvalidOperationException("sync throw"));

        var (_, created) = await TestHttp.PostAsync(client, "models/acme/object/predictions", """{"input":{}}""");
        var (_, throws) = await TestHttp.PostAsync(client, "models/acme/throws/predictions", """{"input":{}}""");

        var output = (await TestHttp.WaitForStatusAsync(client, created.Id(), "succeeded")).GetProperty("output");
        Assert.Equal("https://example.com/a.png", output.Str("fileUrl"));
        Assert.Equal(2, output.GetProperty("count").GetInt32());
        Assert.Equal("sync throw", (await TestHttp.WaitForStatusAsync(client, throws.Id(), "failed")).Str("error"));
    }

    [Fact]
    public async Task Iterator_output_grows_while_polling()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        emulator.AddModel("acme/iter", async (_, context) =>
        {
            context.Output("a");
            context.Log("first");
            await release.Task.WaitAsync(context.CancellationToken);
            context.Output("b");
            return null;
        });

        var (_, created) = await TestHttp.PostAsync(client, "models/acme/iter/predictions", """{"input":{}}""");
        // The handler writes its output, then its log line: wait for both, or a poll between them sees no log yet.
        var partial = await TestHttp.WaitForAsync(client, created.Id(), p =>
            p.GetProperty("output").ValueKind == JsonValueKind.Array && p.TryGetProperty("logs", out var logs) && logs.ValueKind == JsonValueKind.String && logs.GetString()!.Length > 0);
        Assert.Equal("processing", partial.Status());
        Assert.Equal(["a"], partial.GetProperty("output").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("first\n", partial.Str("logs"));

        release.SetResult();
        var done = await TestHttp.WaitForStatusAsync(client, created.Id(), "succeeded");
        Assert.Equal(["a", "b"], done.GetProperty("output").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Get_unknown_prediction_is_404()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        using var response = await client.GetAsync(new Uri("predictions/doesnotexist", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Requests_are_recorded_with_headers_query_and_body()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        client.DefaultRequestHeaders.UserAgent.ParseAdd("replicate-dotnet-test/1.0");

        await TestHttp.PostAsync(client, "models/replicate/hello-world/predictions", """{"input":{"text":"rec"}}""");
        using var list = await client.GetAsync(new Uri("predictions?source=web", UriKind.Relative));

        var requests = emulator.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal("POST", requests[0].Method);
        Assert.Equal("/v1/models/replicate/hello-world/predictions", requests[0].Path);
        Assert.Equal("", requests[0].Query);
        Assert.Equal("""{"input":{"text":"rec"}}""", requests[0].Body);
        Assert.True(requests[0].CarriesToken("r8_emulator"));
        Assert.StartsWith("application/json", requests[0].Headers["Content-Type"]);
        Assert.Equal("?source=web", requests[1].Query);
        Assert.Equal("", requests[1].Body);
        Assert.True(requests[1].ReceivedAt >= requests[0].ReceivedAt);

        emulator.ClearRequests();
        Assert.Empty(emulator.Requests);
    }

    [GeneratedRegex("^[a-z0-9]{26}$")]
    private static partial Regex IdPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3,6}Z$")]
    private static partial Regex TimestampPattern();
}
