using System.Net;
using Replicate.Tests.Infrastructure;
using static Replicate.Tests.Infrastructure.ScriptedApi;

namespace Replicate.Tests;

public class SearchTests
{
    [Fact]
    public async Task Search_SendsQueryAndLimit_AndReadsModelsCollectionsAndPages()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var result = await h.Client.SearchAsync("text", limit: 5);

        var request = Assert.Single(h.Emulator.Requests);
        Assert.Equal(("GET", "/v1/search", "?query=text&limit=5"), (request.Method, request.Path, request.Query));
        Assert.Equal("text", result.Query);
        var hello = Assert.Single(result.Models, m => m.Model.Name == "hello-world");
        Assert.StartsWith("A community", hello.Metadata.GeneratedDescription, StringComparison.Ordinal);
        Assert.Equal(0.5, hello.Metadata.Score);
        Assert.Empty(hello.Metadata.Tags);
        var collection = Assert.Single(result.Collections, c => c.Slug == "text-to-image");
        Assert.Equal(["black-forest-labs/flux-schnell"], collection.Models);
        Assert.Equal("Models that generate images from text prompts.", collection.Description);
    }

    [Fact]
    public async Task Search_FindsPages_AndTagsModelsWithTheirCollections()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var streaming = await h.Client.SearchAsync("streaming");
        var flux = await h.Client.SearchAsync("flux-schnell");

        Assert.Equal("?query=streaming", h.Emulator.Requests[0].Query);
        var page = Assert.Single(streaming.Pages);
        Assert.Equal(("Streaming output", "https://replicate.com/docs/topics/predictions/streaming"), (page.Name, page.Href));
        var model = Assert.Single(flux.Models);
        Assert.Equal(["text-to-image"], model.Metadata.Tags);
        Assert.Equal(1.0, model.Metadata.Score);
    }

    [Fact]
    public async Task Search_EscapesTheQuery()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var result = await h.Client.SearchAsync("a b&c=d/é");

        Assert.Equal("?query=a%20b%26c%3Dd%2F%C3%A9", Assert.Single(h.Emulator.Requests).Query);
        Assert.Equal("a b&c=d/é", result.Query);
        Assert.Empty(result.Models);
    }

    [Fact]
    public async Task InvalidArguments_FailBeforeAnyRequest()
    {
        await using var h = await EmulatorHarness.StartAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => h.Client.SearchAsync(""));
        await Assert.ThrowsAsync<ArgumentNullException>(() => h.Client.SearchAsync(null!));
        Assert.Equal("limit", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Client.SearchAsync("x", 0))).ParamName);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => h.Client.SearchAsync("x", 51));

        Assert.Empty(h.Emulator.Requests);
    }

    [Fact]
    public async Task ServerErrors_AreReplicateApiExceptions_WithTheDetail()
    {
        using var server = Start();
        server.Given(Api("search")).RespondWith(Json(500, """{"detail":"Search is unavailable"}"""));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock, maxRetries: 0);

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => clock.RunAsync(client.SearchAsync("x")));

        Assert.Equal(HttpStatusCode.InternalServerError, ex.StatusCode);
        Assert.Equal("Search is unavailable", ex.Detail);
    }
}
