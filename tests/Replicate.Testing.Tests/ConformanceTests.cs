using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace Replicate.Testing.Tests;

/// <summary>Emulator responses validated against the response schemas in Replicate's published OpenAPI spec.</summary>
public sealed partial class ConformanceTests
{
    private static readonly OpenApiSchemaChecker Spec = OpenApiSchemaChecker.Load();

    [Fact]
    public void The_checker_catches_violations()
    {
        var schema = Spec.ComponentSchema("schemas_prediction_response");
        using var bad = JsonDocument.Parse("""
            {"id":"x","model":"a/b","version":"hidden","input":{},"output":null,"data_removed":"no","error":null,
             "status":"done","created_at":"yesterday","urls":{"get":"not a uri","cancel":"http://x/c"},"started_at":null}
            """);

        var errors = Spec.Validate(schema, bad.RootElement);

        Assert.Contains(errors, e => e.Contains("data_removed", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("status", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("created_at", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("urls.get", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("'web'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("started_at", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("models/meta/meta-llama-3-8b-instruct/predictions", """{"input":{"prompt":"hi","max_tokens":3}}""", "/models/{model_owner}/{model_name}/predictions")]
    [InlineData("models/replicate/hello-world/predictions", """{"input":{"text":"x"},"webhook":"https://example.com/h","webhook_events_filter":["completed"]}""", "/models/{model_owner}/{model_name}/predictions")]
    [InlineData("models/replicate/failing-model/predictions", """{"input":{}}""", "/models/{model_owner}/{model_name}/predictions")]
    [InlineData("predictions", """{"version":"black-forest-labs/flux-schnell","input":{"prompt":"x"}}""", "/predictions")]
    [InlineData("deployments/acme/greeter/predictions", """{"input":{"text":"x"}}""", "/deployments/{deployment_owner}/{deployment_name}/predictions")]
    public async Task Create_and_get_responses_conform(string path, string body, string specPath)
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { DemoTokenDelay = TimeSpan.Zero });
        emulator.AddDeployment("acme/greeter", "replicate/hello-world");
        using var client = TestHttp.Client(emulator);

        var (created, prediction) = await TestHttp.PostAsync(client, path, body, ("Cancel-After", "10m"));
        AssertConforms(Spec.ResponseSchema(specPath, "post", (int)created.StatusCode), prediction);

        var (waited, synced) = await TestHttp.PostAsync(client, path, body, ("Prefer", "wait"));
        Assert.Equal(HttpStatusCode.Created, waited.StatusCode);
        AssertConforms(Spec.ResponseSchema(specPath, "post", 201), synced);

        var done = await TestHttp.WaitForTerminalAsync(client, prediction.Id());
        AssertConforms(Spec.ResponseSchema("/predictions/{prediction_id}", "get", 200), done);
    }

    [Fact]
    public async Task Running_canceled_and_aborted_predictions_conform()
    {
        var clock = new FakeTimeProvider();
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { TimeProvider = clock });
        using var client = TestHttp.Client(emulator);
        emulator.AddModel("acme/forever", async (_, context) =>
        {
            context.Output(new { step = 1 });
            await context.DelayAsync(TimeSpan.FromHours(1));
            return null;
        });
        emulator.AddModel("acme/queued", (_, _) => Task.FromResult<object?>(null), o => o.StartDelay = TimeSpan.FromHours(1));
        var get = Spec.ResponseSchema("/predictions/{prediction_id}", "get", 200);

        var (_, running) = await TestHttp.PostAsync(client, "models/acme/forever/predictions", """{"input":{}}""");
        var processing = await TestHttp.WaitForAsync(client, running.Id(), p => p.GetProperty("output").ValueKind == JsonValueKind.Array);
        AssertConforms(get, processing);

        using var cancel = await client.PostAsync(new Uri("predictions/" + running.Id() + "/cancel", UriKind.Relative), null);
        AssertConforms(Spec.ResponseSchema("/predictions/{prediction_id}/cancel", "post", 200) is { ValueKind: JsonValueKind.Object } s ? s : get, await TestHttp.JsonAsync(cancel));

        var (_, queued) = await TestHttp.PostAsync(client, "models/acme/queued/predictions", """{"input":{}}""", ("Cancel-After", "5s"));
        clock.Advance(TimeSpan.FromSeconds(5));
        AssertConforms(get, await TestHttp.WaitForStatusAsync(client, queued.Id(), "aborted"));
    }

    [Fact]
    public async Task Prediction_list_pages_conform()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { PageSize = 2 });
        using var client = TestHttp.Client(emulator);
        for (var i = 0; i < 5; i++)
        {
            await TestHttp.PostAsync(client, "models/replicate/hello-world/predictions", """{"input":{"text":"x"}}""");
        }

        var schema = Spec.ResponseSchema("/predictions", "get", 200);
        var first = await TestHttp.GetJsonAsync(client, "predictions");
        var second = await TestHttp.GetJsonAsync(client, first.Str("next"));
        var empty = await TestHttp.GetJsonAsync(client, "predictions?source=web");

        AssertConforms(schema, first);
        AssertConforms(schema, second);
        AssertConforms(schema, empty);
        Assert.Equal(JsonValueKind.String, second.GetProperty("previous").ValueKind);
    }

    [Theory]
    [InlineData("meta/meta-llama-3-8b-instruct")]
    [InlineData("black-forest-labs/flux-schnell")]
    [InlineData("replicate/hello-world")]
    [InlineData("openai/whisper")]
    [InlineData("openai/gpt-4o-transcribe")]
    [InlineData("minimax/speech-02-turbo")]
    [InlineData("replicate/all-mpnet-base-v2")]
    public async Task Model_and_version_responses_conform(string model)
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var modelJson = await TestHttp.GetJsonAsync(client, "models/" + model);
        var versions = await TestHttp.GetJsonAsync(client, "models/" + model + "/versions");
        var version = await TestHttp.GetJsonAsync(client, "models/" + model + "/versions/" + modelJson.GetProperty("latest_version").Str("id"));

        AssertConforms(Spec.ResponseSchema("/models/{model_owner}/{model_name}", "get", 200), modelJson);
        AssertConforms(Spec.ComponentSchema("schemas_version_response"), modelJson.GetProperty("latest_version"));
        AssertConforms(Spec.ResponseSchema("/models/{model_owner}/{model_name}/versions", "get", 200), versions);
        AssertConforms(Spec.ResponseSchema("/models/{model_owner}/{model_name}/versions/{version_id}", "get", 200), version);
    }

    private static void AssertConforms(JsonElement schema, JsonElement value)
    {
        var errors = Spec.Validate(schema, value);
        Assert.True(errors.Count == 0, string.Join("\n", errors) + "\nin " + value.GetRawText());
    }
}
