using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Replicate.Testing.Tests;

/// <summary>Responses of the model, deployment, collection, hardware, account and search endpoints, against the spec.</summary>
public sealed partial class ConformanceTests
{
    [Fact]
    public async Task Model_list_search_create_update_and_examples_conform()
    {
        await using var emulator = await ReplicateEmulator.StartAsync(new ReplicateEmulatorOptions { PageSize = 2 });
        using var client = TestHttp.Client(emulator);

        var list = await TestHttp.GetJsonAsync(client, "models?sort_by=model_created_at&sort_direction=asc");
        AssertConforms(Spec.ResponseSchema("/models", "get", 200), list);
        AssertConforms(Spec.ResponseSchema("/models", "get", 200), await TestHttp.GetJsonAsync(client, list.Str("next")));

        using var search = new HttpRequestMessage(new HttpMethod("QUERY"), "models") { Content = new StringContent("llama", Encoding.UTF8, "text/plain") };
        using var searched = await client.SendAsync(search);
        Assert.Equal(HttpStatusCode.OK, searched.StatusCode);
        AssertConforms(Spec.ResponseSchema("/models", "query", 200), await TestHttp.JsonAsync(searched));

        var (created, model) = await TestHttp.PostAsync(
            client, "models", """{"owner":"emulator","name":"my-model","visibility":"private","hardware":"cpu","description":"d","github_url":"https://github.com/x/y"}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        AssertConforms(Spec.ResponseSchema("/models", "post", 201), model);

        using var patch = new HttpRequestMessage(HttpMethod.Patch, "models/emulator/my-model") { Content = TestHttp.Json("""{"readme":"# Hi","weights_url":"https://x/w"}""") };
        using var patched = await client.SendAsync(patch);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        AssertConforms(Spec.ResponseSchema("/models/{model_owner}/{model_name}", "patch", 200), await TestHttp.JsonAsync(patched));

        var withExample = await TestHttp.GetJsonAsync(client, "models/replicate/hello-world");
        Assert.Equal(JsonValueKind.Object, withExample.GetProperty("default_example").ValueKind);
        AssertConforms(Spec.ResponseSchema("/models/{model_owner}/{model_name}", "get", 200), withExample);
        AssertConforms(Spec.ComponentSchema("schemas_prediction_response"), withExample.GetProperty("default_example"));
        AssertConforms(
            Spec.ResponseSchema("/models/{model_owner}/{model_name}/examples", "get", 200),
            await TestHttp.GetJsonAsync(client, "models/replicate/hello-world/examples"));
        AssertConforms(
            Spec.ResponseSchema("/models/{model_owner}/{model_name}/versions", "get", 200),
            await TestHttp.GetJsonAsync(client, "models/emulator/my-model/versions"));
    }

    [Fact]
    public async Task Readme_and_deletes_answer_with_the_spec_statuses()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        var mine = emulator.AddModel("emulator/mine", (_, _) => Task.FromResult<object?>(null), o =>
        {
            o.IsPublic = false;
            o.Readme = "# Mine";
        });

        using var readmeRequest = new HttpRequestMessage(HttpMethod.Get, "models/emulator/mine/readme");
        readmeRequest.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
        using var readme = await client.SendAsync(readmeRequest);
        Assert.Equal(HttpStatusCode.OK, readme.StatusCode);
        Assert.Equal("text/plain", readme.Content.Headers.ContentType!.MediaType);
        Assert.Equal("# Mine", await readme.Content.ReadAsStringAsync());
        using var noReadme = await client.GetAsync(new Uri("models/meta/meta-llama-3-8b-instruct/readme", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, noReadme.StatusCode);

        using var versionDelete = await client.DeleteAsync(new Uri("models/emulator/mine/versions/" + mine.VersionId, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Accepted, versionDelete.StatusCode);
        using var modelDelete = await client.DeleteAsync(new Uri("models/emulator/mine", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, modelDelete.StatusCode);
        Assert.Equal(0, modelDelete.Content.Headers.ContentLength ?? 0);
    }

    [Fact]
    public async Task Deployment_responses_conform()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);
        var version = (await TestHttp.GetJsonAsync(client, "models/replicate/hello-world")).GetProperty("latest_version").Str("id");

        var (created, deployment) = await TestHttp.PostAsync(
            client, "deployments", "{\"name\":\"greeter\",\"model\":\"replicate/hello-world\",\"version\":\"" + version + "\",\"hardware\":\"gpu-t4\",\"min_instances\":0,\"max_instances\":2}");
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        AssertConforms(Spec.ResponseSchema("/deployments", "post", 200), deployment);

        using var patch = new HttpRequestMessage(HttpMethod.Patch, "deployments/emulator/greeter") { Content = TestHttp.Json("""{"max_instances":3}""") };
        using var patched = await client.SendAsync(patch);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        AssertConforms(Spec.ResponseSchema("/deployments/{deployment_owner}/{deployment_name}", "patch", 200), await TestHttp.JsonAsync(patched));
        AssertConforms(Spec.ResponseSchema("/deployments/{deployment_owner}/{deployment_name}", "get", 200), await TestHttp.GetJsonAsync(client, "deployments/emulator/greeter"));
        AssertConforms(Spec.ResponseSchema("/deployments", "get", 200), await TestHttp.GetJsonAsync(client, "deployments"));

        using var deleted = await client.DeleteAsync(new Uri("deployments/emulator/greeter", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Fact]
    public async Task Collection_hardware_account_and_search_responses_conform()
    {
        await using var emulator = await ReplicateEmulator.StartAsync();
        using var client = TestHttp.Client(emulator);

        AssertConforms(Spec.ResponseSchema("/collections", "get", 200), await TestHttp.GetJsonAsync(client, "collections"));
        AssertConforms(Spec.ResponseSchema("/collections/{collection_slug}", "get", 200), await TestHttp.GetJsonAsync(client, "collections/text-to-image"));
        AssertConforms(Spec.ResponseSchema("/hardware", "get", 200), await TestHttp.GetJsonAsync(client, "hardware"));
        AssertConforms(Spec.ResponseSchema("/account", "get", 200), await TestHttp.GetJsonAsync(client, "account"));

        var found = await TestHttp.GetJsonAsync(client, "search?query=text&limit=5");
        Assert.NotEqual(0, found.GetProperty("models").GetArrayLength());
        Assert.NotEqual(0, found.GetProperty("collections").GetArrayLength());
        AssertConforms(Spec.ResponseSchema("/search", "get", 200), found);
        AssertConforms(Spec.ResponseSchema("/search", "get", 200), await TestHttp.GetJsonAsync(client, "search?query=streaming"));

        using var bad = await client.GetAsync(new Uri("search?query=x&limit=51", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/json", bad.Content.Headers.ContentType!.MediaType);
        AssertConforms(Spec.ResponseSchema("/search", "get", 400), await TestHttp.JsonAsync(bad));
    }
}
