using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Replicate.Testing.Tests;

public sealed class ModelTests
{
    [Fact]
    public async Task Get_model_returns_the_model_object_with_latest_version_and_schema()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        await TestHttp.PostAsync(client, "models/meta/meta-llama-3-8b-instruct/predictions", """{"input":{"prompt":"x","max_tokens":1}}""");

        var model = await TestHttp.GetJsonAsync(client, "models/meta/meta-llama-3-8b-instruct");

        Assert.Equal("https://replicate.com/meta/meta-llama-3-8b-instruct", model.Str("url"));
        Assert.Equal("meta", model.Str("owner"));
        Assert.Equal("meta-llama-3-8b-instruct", model.Str("name"));
        Assert.Equal("public", model.Str("visibility"));
        Assert.True(model.GetProperty("is_official").GetBoolean());
        Assert.Equal(1, model.GetProperty("run_count").GetInt64());
        foreach (var nullField in new[] { "github_url", "paper_url", "license_url", "cover_image_url", "default_example" })
        {
            Assert.Equal(JsonValueKind.Null, model.GetProperty(nullField).ValueKind);
        }

        var version = model.GetProperty("latest_version");
        Assert.Matches("^[0-9a-f]{64}$", version.Str("id"));
        Assert.Equal("0.14.0", version.Str("cog_version"));
        var output = version.GetProperty("openapi_schema").GetProperty("components").GetProperty("schemas").GetProperty("Output");
        Assert.Equal("iterator", output.Str("x-cog-array-type"));
        Assert.Equal("concatenate", output.Str("x-cog-array-display"));
        Assert.Equal("string", output.GetProperty("items").Str("type"));
    }

    [Fact]
    public async Task Flux_output_schema_is_an_array_of_uris_and_hello_world_is_not_official()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        var flux = await TestHttp.GetJsonAsync(client, "models/black-forest-labs/flux-schnell");
        var hello = await TestHttp.GetJsonAsync(client, "models/replicate/hello-world");

        var items = flux.GetProperty("latest_version").GetProperty("openapi_schema").GetProperty("components")
            .GetProperty("schemas").GetProperty("Output").GetProperty("items");
        Assert.Equal("uri", items.Str("format"));
        Assert.False(hello.GetProperty("is_official").GetBoolean());
    }

    [Fact]
    public async Task Versions_list_and_get()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        var model = emulator.AddModel(
            "acme/custom",
            (_, _) => Task.FromResult<object?>(null),
            o =>
            {
                o.VersionId = new string('a', 64);
                o.OpenApiSchema = JsonNode.Parse("""{"openapi":"3.0.2","components":{"schemas":{"Input":{"type":"object"},"Output":{"type":"integer"}}}}""");
            });

        var list = await TestHttp.GetJsonAsync(client, "models/acme/custom/versions");
        var version = await TestHttp.GetJsonAsync(client, "models/acme/custom/versions/" + model.VersionId);
        using var unknown = await client.GetAsync(new Uri("models/acme/custom/versions/" + new string('b', 64), UriKind.Relative));
        using var unknownModel = await client.GetAsync(new Uri("models/acme/none/versions", UriKind.Relative));

        Assert.Equal(JsonValueKind.Null, list.GetProperty("next").ValueKind);
        Assert.Equal(JsonValueKind.Null, list.GetProperty("previous").ValueKind);
        Assert.Equal(model.VersionId, Assert.Single(list.GetProperty("results").EnumerateArray()).Str("id"));
        Assert.Equal(model.VersionId, version.Str("id"));
        Assert.Equal("integer", version.GetProperty("openapi_schema").GetProperty("components").GetProperty("schemas").GetProperty("Output").Str("type"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownModel.StatusCode);
    }

    [Fact]
    public async Task Unknown_model_is_404()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        using var response = await client.GetAsync(new Uri("models/acme/none", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Demo_models_can_be_left_out()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { IncludeDemoModels = false });
        using var client = TestHttp.Client(emulator);

        using var response = await client.GetAsync(new Uri("models/replicate/hello-world", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("noslash")]
    [InlineData("a/b/c")]
    [InlineData("/name")]
    [InlineData("owner/")]
    [InlineData("owner/name:version")]
    public async Task Add_model_rejects_bad_names(string name)
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { IncludeDemoModels = false });

        Assert.Throws<ArgumentException>(() => emulator.AddModel(name, (_, _) => Task.FromResult<object?>(null)));
        Assert.Throws<ArgumentException>(() => emulator.AddModel("acme/x", (_, _) => Task.FromResult<object?>(null), o => o.VersionId = "short"));
    }
}
