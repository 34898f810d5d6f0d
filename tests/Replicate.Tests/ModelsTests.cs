using System.Net;
using System.Text.Json;
using Replicate.Testing;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

public class ModelsTests
{
    private const string Llama = "meta/meta-llama-3-8b-instruct";

    [Fact]
    public async Task Get_SendsGetToTheModelPath_AndReadsEveryField()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var model = await h.Client.Models.GetAsync(Llama);

        var request = Assert.Single(h.Emulator.Requests);
        Assert.Equal(("GET", "/v1/models/meta/meta-llama-3-8b-instruct", ""), (request.Method, request.Path, request.Query));
        Assert.Equal("application/json", request.Headers["Accept"]);
        Assert.True(request.CarriesToken(h.Emulator.ApiToken!));
        Assert.Equal(("meta", "meta-llama-3-8b-instruct"), (model.Owner, model.Name));
        Assert.Equal(new Uri("https://replicate.com/meta/meta-llama-3-8b-instruct"), model.Url);
        Assert.Equal(ModelVisibility.Public, model.Visibility);
        Assert.True(model.IsOfficial);
        Assert.StartsWith("Emulated Llama", model.Description, StringComparison.Ordinal);
        Assert.Null(model.GithubUrl);
        Assert.Null(model.DefaultExample);
        Assert.Equal("meta/meta-llama-3-8b-instruct", model.ToString());

        var version = Assert.IsType<ModelVersion>(model.LatestVersion);
        Assert.Matches("^[0-9a-f]{64}$", version.Id);
        Assert.Equal("0.14.0", version.CogVersion);
        Assert.NotNull(version.CreatedAt);
        Assert.True(version.GetInputSchema()!.Value.GetProperty("properties").TryGetProperty("prompt", out _));
        Assert.Equal("array", version.GetOutputSchema()!.Value.GetProperty("type").GetString());
        Assert.True(version.IsIteratorOutput);
        Assert.True(version.IsConcatenateOutput);
    }

    [Fact]
    public async Task Get_OwnerAndName_AndADefaultExampleThatIsAPrediction()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var hello = await h.Client.Models.GetAsync("replicate", "hello-world");
        var flux = await h.Client.Models.GetAsync("black-forest-labs/flux-schnell");

        Assert.Equal("/v1/models/replicate/hello-world", h.Emulator.Requests[0].Path);
        Assert.False(hello.IsOfficial);
        var example = Assert.IsType<Prediction>(hello.DefaultExample);
        Assert.Equal(PredictionStatus.Succeeded, example.Status);
        Assert.Equal("hello world", example.Output!.Value.GetString());
        Assert.False(flux.LatestVersion!.IsIteratorOutput);
        Assert.False(flux.LatestVersion.IsConcatenateOutput);
    }

    [Fact]
    public async Task Get_UnknownModel_ThrowsReplicateApiException404()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Models.GetAsync("acme/missing"));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("The requested model does not exist", ex.Detail);
        Assert.Equal("GET", ex.RequestMethod);
    }

    [Fact]
    public async Task InvalidArguments_FailBeforeAnyRequest()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var models = h.Client.Models;
        var version = new string('a', 64);

        await Assert.ThrowsAsync<ArgumentException>(() => models.GetAsync($"acme/x:{version}"));
        await Assert.ThrowsAsync<ArgumentException>(() => models.GetAsync("deployment:acme/x"));
        await Assert.ThrowsAsync<ArgumentException>(() => models.GetAsync(version));
        await Assert.ThrowsAsync<ArgumentException>(() => models.GetAsync(default(ModelIdentifier)));
        await Assert.ThrowsAsync<ArgumentException>(() => models.GetAsync("acme", "a b"));
        await Assert.ThrowsAsync<FormatException>(() => models.GetAsync("not a model"));
        await Assert.ThrowsAsync<ArgumentException>(() => models.DeleteAsync($"acme/x:{version}"));
        await Assert.ThrowsAsync<ArgumentException>(() => models.GetReadmeAsync("deployment:acme/x"));
        await Assert.ThrowsAsync<ArgumentException>(() => models.SearchAsync(" "));
        Assert.Throws<ArgumentException>(() => models.EnumerateSearchAsync(""));
        Assert.Throws<ArgumentException>(() => models.EnumerateExamplesAsync($"acme/x:{version}"));
        await Assert.ThrowsAsync<ArgumentException>(() => models.ListAsync(sortBy: new ModelSortBy("")));
        await Assert.ThrowsAsync<ArgumentException>(() => models.ListAsync("https://evil.example.com/v1/models?cursor=x"));
        await Assert.ThrowsAsync<ArgumentNullException>(() => models.CreateAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => models.CreateAsync(NewModel(o => o.Name = "a/b")));
        await Assert.ThrowsAsync<ArgumentException>(() => models.CreateAsync(NewModel(o => o.Hardware = " ")));
        await Assert.ThrowsAsync<ArgumentException>(() => models.CreateAsync(NewModel(o => o.Visibility = default)));
        await Assert.ThrowsAsync<ArgumentException>(() => models.CreateAsync(NewModel(o => o.GithubUrl = new Uri("/relative", UriKind.Relative))));
        await Assert.ThrowsAsync<ArgumentException>(() => models.UpdateAsync("emulator/x", new UpdateModelOptions()));
        await Assert.ThrowsAsync<ArgumentException>(() => models.UpdateAsync("emulator/x", new UpdateModelOptions { PaperUrl = new Uri("ftp://x/y") }));
        await Assert.ThrowsAsync<ArgumentNullException>(() => models.UpdateAsync("emulator/x", null!));

        Assert.Empty(h.Emulator.Requests);
    }

    [Fact]
    public async Task List_SendsSortParameters_AndEnumerateFollowsEveryPage()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.PageSize = 3);
        for (var i = 0; i < 4; i++)
        {
            h.Emulator.AddModel($"acme/m{i}", (_, _) => Task.FromResult<object?>(null));
        }

        var names = new List<string>();
        await foreach (var model in h.Client.Models.EnumerateAsync(ModelSortBy.ModelCreatedAt, SortDirection.Ascending))
        {
            names.Add(model.ToString());
        }

        Assert.Equal(12, names.Count); // the emulator's 8 demo models, then these 4
        Assert.Equal(["acme/m0", "acme/m1", "acme/m2", "acme/m3"], names[8..]);
        var requests = h.Requests("GET", "/v1/models");
        Assert.Equal(4, requests.Count);
        Assert.Equal("?sort_by=model_created_at&sort_direction=asc", requests[0].Query);
        Assert.All(requests.Skip(1), r => Assert.StartsWith("?sort_by=model_created_at&sort_direction=asc&cursor=", r.Query, StringComparison.Ordinal));
    }

    [Fact]
    public async Task List_WithoutSort_SendsNoQuery_AndPagesByCursor()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.PageSize = 2);

        var first = await h.Client.Models.ListAsync();
        var second = await h.Client.Models.ListAsync(first.Next);

        Assert.Equal("", h.Emulator.Requests[0].Query);
        Assert.Equal(2, first.Results.Count);
        Assert.Null(first.Previous);
        Assert.NotNull(second.Previous);
        Assert.DoesNotContain(second.Results, m => first.Results.Any(f => f.ToString() == m.ToString()));
    }

    [Fact]
    public async Task Enumerate_IsLazy()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.PageSize = 1);

        await foreach (var _ in h.Client.Models.EnumerateAsync())
        {
            break;
        }

        Assert.Single(h.Emulator.Requests);
    }

    [Fact]
    public async Task Search_SendsQueryWithARawTextPlainBody()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var page = await h.Client.Models.SearchAsync("LLAMA 3");

        var request = Assert.Single(h.Emulator.Requests);
        Assert.Equal(("QUERY", "/v1/models"), (request.Method, request.Path));
        Assert.Equal("text/plain", request.Headers["Content-Type"].Split(';')[0]);
        Assert.Equal("LLAMA 3", request.Body);
        Assert.Equal(Llama, Assert.Single(page.Results).ToString());
        Assert.NotNull(page.Results[0].CreatedAt);
    }

    [Fact]
    public async Task EnumerateSearch_SendsTheQueryToEveryPage()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.PageSize = 1);

        var found = new List<string>();
        await foreach (var model in h.Client.Models.EnumerateSearchAsync("replicate/"))
        {
            found.Add(model.ToString());
        }

        Assert.Equal(["replicate/failing-model", "replicate/hello-world", "replicate/all-mpnet-base-v2"], found);
        var requests = h.Requests("QUERY", "/v1/models");
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal("replicate/", r.Body));
        Assert.StartsWith("?cursor=", requests[1].Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_PostsOnlyTheFieldsSet_AndReturnsTheNewModel()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var model = await h.Client.Models.CreateAsync(NewModel(o =>
        {
            o.Description = "My model";
            o.GithubUrl = new Uri("https://github.com/acme/my-model");
        }));

        var request = Assert.Single(h.Emulator.Requests);
        Assert.Equal(("POST", "/v1/models"), (request.Method, request.Path));
        Assert.Equal("application/json", request.Headers["Content-Type"].Split(';')[0]);
        Assert.Equal(
            """{"owner":"emulator","name":"my-model","visibility":"private","hardware":"cpu","description":"My model","github_url":"https://github.com/acme/my-model"}""",
            request.Body);
        Assert.Equal(("emulator", "my-model"), (model.Owner, model.Name));
        Assert.Equal(ModelVisibility.Private, model.Visibility);
        Assert.Equal("My model", model.Description);
        Assert.Equal(new Uri("https://github.com/acme/my-model"), model.GithubUrl);
        Assert.Null(model.LatestVersion);
        Assert.False(model.IsOfficial);
    }

    [Fact]
    public async Task Create_ConflictsAndForeignOwners_AreProblemDetails()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await h.Client.Models.CreateAsync(NewModel());

        var taken = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Models.CreateAsync(NewModel()));
        var foreign = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Models.CreateAsync(NewModel(o => o.Owner = "someone-else")));
        var hardware = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Models.CreateAsync(NewModel(o => o.Hardware = "gpu-quantum")));

        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal((HttpStatusCode)422, hardware.StatusCode);
        Assert.Contains("gpu-quantum", hardware.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_PatchesOnlyTheFieldsSet_AndTheReadmeIsServedAsText()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await h.Client.Models.CreateAsync(NewModel(o => o.Description = "before"));
        h.Emulator.ClearRequests();

        var updated = await h.Client.Models.UpdateAsync("emulator/my-model", new UpdateModelOptions
        {
            Readme = "# My model\n\nDoes things.",
            WeightsUrl = new Uri("https://example.com/weights.tar"),
        });
        var readme = await h.Client.Models.GetReadmeAsync("emulator/my-model");

        var patch = h.Emulator.Requests[0];
        Assert.Equal(("PATCH", "/v1/models/emulator/my-model"), (patch.Method, patch.Path));
        Assert.Equal("""{"readme":"# My model\n\nDoes things.","weights_url":"https://example.com/weights.tar"}""", patch.Body);
        Assert.Equal("before", updated.Description);
        var get = h.Emulator.Requests[1];
        Assert.Equal(("GET", "/v1/models/emulator/my-model/readme"), (get.Method, get.Path));
        Assert.Equal("text/plain", get.Headers["Accept"]);
        Assert.Equal("# My model\n\nDoes things.", readme);
    }

    [Fact]
    public async Task Update_ConcurrentChangesOfDifferentFields_AllLand()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await h.Client.Models.CreateAsync(NewModel());

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => h.Client.Models.UpdateAsync("emulator/my-model", i % 2 == 0
            ? new UpdateModelOptions { Description = "described" }
            : new UpdateModelOptions { Readme = "# readme" })));

        Assert.Equal("described", (await h.Client.Models.GetAsync("emulator/my-model")).Description);
        Assert.Equal("# readme", await h.Client.Models.GetReadmeAsync("emulator/my-model"));
    }

    [Fact]
    public async Task Update_SomeoneElsesModel_Is403()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Models.UpdateAsync(Llama, new UpdateModelOptions { Description = "mine now" }));

        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
    }

    [Fact]
    public async Task Readme_MissingIs404()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Models.GetReadmeAsync(Llama));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("This model has no README", ex.Detail);
    }

    [Fact]
    public async Task Delete_OnlyOwnPrivateModelsWithoutVersions()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var models = h.Client.Models;
        var versioned = h.Emulator.AddModel("emulator/versioned", (_, _) => Task.FromResult<object?>(null), o => o.IsPublic = false);
        await models.CreateAsync(NewModel());
        await models.CreateAsync(NewModel(o => (o.Name, o.Visibility) = ("public-one", ModelVisibility.Public)));

        await models.DeleteAsync("emulator/my-model");
        var gone = await Assert.ThrowsAsync<ReplicateApiException>(() => models.GetAsync("emulator/my-model"));
        var foreign = await Assert.ThrowsAsync<ReplicateApiException>(() => models.DeleteAsync(Llama));
        var isPublic = await Assert.ThrowsAsync<ReplicateApiException>(() => models.DeleteAsync("emulator/public-one"));
        var hasVersion = await Assert.ThrowsAsync<ReplicateApiException>(() => models.DeleteAsync("emulator/versioned"));
        await models.Versions.DeleteAsync("emulator/versioned", versioned.VersionId);
        await models.DeleteAsync("emulator/versioned");

        var delete = h.Requests("DELETE", "/v1/models/emulator/my-model").Single();
        Assert.Equal("", delete.Body);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, isPublic.StatusCode);
        Assert.Contains("is public", isPublic.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, hasVersion.StatusCode);
        Assert.Contains("has versions", hasVersion.Detail, StringComparison.Ordinal);
        Assert.Equal(2, h.Emulator.Requests.Count(r => r is { Method: "DELETE", Path: "/v1/models/emulator/versioned" }));
    }

    [Fact]
    public async Task Examples_ArePredictions_ListedAndEnumeratedAcrossPages()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.PageSize = 2);
        await h.Emulator.AddExampleAsync("replicate/hello-world", new { text = "there" });
        await h.Emulator.AddExampleAsync("replicate/hello-world", new { text = "again" });

        var first = await h.Client.Models.ListExamplesAsync("replicate/hello-world");
        var all = new List<Prediction>();
        await foreach (var example in h.Client.Models.EnumerateExamplesAsync("replicate/hello-world"))
        {
            all.Add(example);
        }

        Assert.Equal("/v1/models/replicate/hello-world/examples", h.Emulator.Requests[0].Path);
        Assert.Equal(2, first.Results.Count);
        Assert.NotNull(first.Next);
        Assert.Equal(["hello world", "hello there", "hello again"], all.Select(p => p.Output!.Value.GetString()));
        Assert.Empty((await h.Client.Predictions.ListAsync()).Results);
    }

    [Fact]
    public async Task Examples_OfAModelWithout_AreAnEmptyPage()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var page = await h.Client.Models.ListExamplesAsync(Llama);

        Assert.Empty(page.Results);
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task DemoLlama_ReportsTokenCounts_InItsMetrics()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var output = await h.Client.RunAsync(Llama, new { prompt = "count my tokens", max_tokens = 5 });

        Assert.Equal(5, output.Prediction.Metrics!.OutputTokenCount);
        Assert.Equal(3, output.Prediction.Metrics.InputTokenCount);
    }

    [Fact]
    public void ModelVersion_SchemaHelpers_TolerateMissingOrOddSchemas()
    {
        static ModelVersion Read(string json) => JsonSerializer.Deserialize(json, ReplicateJsonContext.Default.ModelVersion)!;

        var none = Read("""{"id":"v","openapi_schema":null}""");
        var odd = Read("""{"id":"v","openapi_schema":{"components":{"schemas":[]}}}""");
        var plain = Read("""{"id":"v","openapi_schema":{"components":{"schemas":{"Output":{"type":"array","x-cog-array-type":"iterator"}}}}}""");

        Assert.Null(none.GetInputSchema());
        Assert.False(none.IsIteratorOutput);
        Assert.Null(odd.GetOutputSchema());
        Assert.Null(plain.GetInputSchema());
        Assert.True(plain.IsIteratorOutput);
        Assert.False(plain.IsConcatenateOutput);
    }

    [Fact]
    public void Model_UnknownVisibility_RoundTrips()
    {
        var model = JsonSerializer.Deserialize("""{"owner":"a","name":"b","visibility":"unlisted","run_count":7}""", ReplicateJsonContext.Default.Model)!;

        Assert.Equal("unlisted", model.Visibility.Value);
        Assert.NotEqual(ModelVisibility.Public, model.Visibility);
        Assert.Equal(7, model.RunCount);
    }

    private static CreateModelOptions NewModel(Action<CreateModelOptions>? configure = null)
    {
        var options = new CreateModelOptions { Owner = "emulator", Name = "my-model", Visibility = ModelVisibility.Private, Hardware = "cpu" };
        configure?.Invoke(options);
        return options;
    }
}
