using System.Net;
using Replicate.Testing;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

public class ModelVersionsTests
{
    private static EmulatorModel AddPrivate(ReplicateEmulator emulator) =>
        emulator.AddModel("emulator/private-model", (_, _) => Task.FromResult<object?>("ok"), o => o.IsPublic = false);

    [Fact]
    public async Task ListAndEnumerate_ReadTheVersionsPage()
    {
        await using var h = await EmulatorHarness.StartAsync();

        var page = await h.Client.Models.Versions.ListAsync("replicate/hello-world");
        var all = new List<ModelVersion>();
        await foreach (var version in h.Client.Models.Versions.EnumerateAsync("replicate/hello-world"))
        {
            all.Add(version);
        }

        Assert.All(h.Emulator.Requests, r => Assert.Equal(("GET", "/v1/models/replicate/hello-world/versions", ""), (r.Method, r.Path, r.Query)));
        var only = Assert.Single(page.Results);
        Assert.Null(page.Next);
        Assert.Equal(only.Id, Assert.Single(all).Id);
        Assert.True(only.GetInputSchema()!.Value.GetProperty("properties").TryGetProperty("text", out _));
    }

    [Fact]
    public async Task Get_ByOwnerNameVersion_OrByModelAndId()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var model = AddPrivate(h.Emulator);

        var byIdentifier = await h.Client.Models.Versions.GetAsync($"emulator/private-model:{model.VersionId}");
        var byParts = await h.Client.Models.Versions.GetAsync("emulator/private-model", model.VersionId.ToUpperInvariant());

        Assert.All(h.Emulator.Requests, r => Assert.Equal($"/v1/models/emulator/private-model/versions/{model.VersionId}", r.Path));
        Assert.Equal(model.VersionId, byIdentifier.Id);
        Assert.Equal(model.VersionId, byParts.Id);
    }

    [Fact]
    public async Task Delete_Is202_ThenTheVersionIsGone()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var model = AddPrivate(h.Emulator);

        await h.Client.Models.Versions.DeleteAsync($"emulator/private-model:{model.VersionId}");
        var gone = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Models.Versions.GetAsync("emulator/private-model", model.VersionId));
        var versions = await h.Client.Models.Versions.ListAsync("emulator/private-model");
        var latest = (await h.Client.Models.GetAsync("emulator/private-model")).LatestVersion;
        var run = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Predictions.CreateAsync(model.VersionId, new { }));

        var delete = h.Emulator.Requests[0];
        Assert.Equal(("DELETE", $"/v1/models/emulator/private-model/versions/{model.VersionId}"), (delete.Method, delete.Path));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Empty(versions.Results);
        Assert.Null(latest);
        Assert.Equal((HttpStatusCode)422, run.StatusCode);
    }

    [Fact]
    public async Task Delete_RefusedVersions_AreProblemDetails()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var model = AddPrivate(h.Emulator);
        h.Emulator.AddDeployment("emulator/uses-it", "emulator/private-model");
        var hello = await h.Client.Models.GetAsync("replicate/hello-world");

        var deployed = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Models.Versions.DeleteAsync("emulator/private-model", model.VersionId));
        var foreign = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Models.Versions.DeleteAsync("replicate/hello-world", hello.LatestVersion!.Id));
        var unknown = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Models.Versions.DeleteAsync("emulator/private-model", new string('0', 64)));

        Assert.Equal(HttpStatusCode.Conflict, deployed.StatusCode);
        Assert.Contains("deployment", deployed.Detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task InvalidArguments_FailBeforeAnyRequest()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var versions = h.Client.Models.Versions;
        var id = new string('a', 64);

        await Assert.ThrowsAsync<ArgumentException>(() => versions.GetAsync("acme/model"));
        await Assert.ThrowsAsync<ArgumentException>(() => versions.GetAsync(id));
        await Assert.ThrowsAsync<ArgumentException>(() => versions.GetAsync("acme/model", "latest"));
        await Assert.ThrowsAsync<ArgumentException>(() => versions.GetAsync($"acme/model:{id}", id));
        await Assert.ThrowsAsync<ArgumentException>(() => versions.DeleteAsync("deployment:acme/model"));
        await Assert.ThrowsAsync<ArgumentException>(() => versions.DeleteAsync("acme/model", null!));
        await Assert.ThrowsAsync<ArgumentException>(() => versions.ListAsync($"acme/model:{id}"));
        Assert.Throws<ArgumentException>(() => versions.EnumerateAsync(id));

        Assert.Empty(h.Emulator.Requests);
    }
}
