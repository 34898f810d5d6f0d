using System.Net;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

public class CollectionsTests
{
    [Fact]
    public async Task List_ReadsSummaries_AndEnumerateFollowsEveryPage()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.PageSize = 1);
        h.Emulator.AddCollection("hello", "Hello", "Greeting models.", ["replicate/hello-world"]);

        var first = await h.Client.Collections.ListAsync();
        var slugs = new List<string>();
        await foreach (var collection in h.Client.Collections.EnumerateAsync())
        {
            slugs.Add(collection.Slug);
        }

        var request = h.Emulator.Requests[0];
        Assert.Equal(("GET", "/v1/collections", ""), (request.Method, request.Path, request.Query));
        var summary = Assert.Single(first.Results);
        Assert.Equal(("language-models", "Language models", "Models that understand and generate text."), (summary.Slug, summary.Name, summary.Description));
        Assert.Equal(["language-models", "text-to-image", "hello"], slugs);
        Assert.Equal(4, h.Requests("GET", "/v1/collections").Count);
    }

    [Fact]
    public async Task Get_ReadsTheCollectionWithItsModels()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var collection = await h.Client.Collections.GetAsync("language-models");

        Assert.Equal("/v1/collections/language-models", Assert.Single(h.Emulator.Requests).Path);
        Assert.Equal(("language-models", "Language models"), (collection.Slug, collection.Name));
        Assert.StartsWith("Emulated language models", collection.FullDescription, StringComparison.Ordinal);
        var model = Assert.Single(collection.Models);
        Assert.Equal("meta/meta-llama-3-8b-instruct", model.ToString());
        Assert.NotNull(model.LatestVersion);
    }

    [Fact]
    public async Task Get_UnknownSlug_Is404_AndSlugsAreEscaped()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Collections.GetAsync("no such?thing"));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("The requested collection does not exist", ex.Detail);
        // Escaped, so '?' stays inside the one path segment.
        Assert.Equal("/v1/collections/no such?thing", Assert.Single(h.Emulator.Requests).Path);
    }

    [Fact]
    public async Task InvalidArguments_FailBeforeAnyRequest()
    {
        await using var h = await EmulatorHarness.StartAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => h.Client.Collections.GetAsync(" "));
        await Assert.ThrowsAsync<ArgumentNullException>(() => h.Client.Collections.GetAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => h.Client.Collections.ListAsync("http://elsewhere.example/v1/collections?cursor=x"));

        Assert.Empty(h.Emulator.Requests);
    }
}
