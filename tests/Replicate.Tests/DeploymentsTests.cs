using System.Net;
using Replicate.Tests.Infrastructure;

namespace Replicate.Tests;

public class DeploymentsTests
{
    private static async Task<Deployment> CreateGreeterAsync(EmulatorHarness h, string name = "greeter", string model = "replicate/hello-world")
    {
        var version = (await h.Client.Models.GetAsync(model)).LatestVersion!.Id;
        var deployment = await h.Client.Deployments.CreateAsync(new CreateDeploymentOptions
        {
            Name = name,
            Model = model,
            Version = version,
            Hardware = "gpu-t4",
            MinInstances = 0,
            MaxInstances = 2,
        });
        h.Emulator.ClearRequests();
        return deployment;
    }

    [Fact]
    public async Task Create_PostsEveryField_AndReadsTheFirstRelease()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var version = (await h.Client.Models.GetAsync("replicate/hello-world")).LatestVersion!.Id;
        h.Emulator.ClearRequests();

        var deployment = await h.Client.Deployments.CreateAsync(new CreateDeploymentOptions
        {
            Name = "greeter",
            Model = "replicate/hello-world",
            Version = version,
            Hardware = "gpu-t4",
            MinInstances = 0,
            MaxInstances = 2,
        });

        var request = Assert.Single(h.Emulator.Requests);
        Assert.Equal(("POST", "/v1/deployments"), (request.Method, request.Path));
        Assert.Equal("application/json", request.Headers["Content-Type"].Split(';')[0]);
        Assert.Equal(
            "{\"name\":\"greeter\",\"model\":\"replicate/hello-world\",\"version\":\"" + version + "\",\"hardware\":\"gpu-t4\",\"min_instances\":0,\"max_instances\":2}",
            request.Body);
        Assert.Equal(("emulator", "greeter"), (deployment.Owner, deployment.Name));
        Assert.Equal("emulator/greeter", deployment.ToString());
        var release = deployment.CurrentRelease!;
        Assert.Equal(1, release.Number);
        Assert.Equal(("replicate/hello-world", version), (release.Model, release.Version));
        Assert.NotNull(release.CreatedAt);
        Assert.Equal(AccountType.User, release.CreatedBy!.Type);
        Assert.Equal("emulator", release.CreatedBy.Username);
        Assert.Equal(("gpu-t4", 0, 2), (release.Configuration!.Hardware, release.Configuration.MinInstances, release.Configuration.MaxInstances));
    }

    [Fact]
    public async Task Get_ByFullName_OrByOwnerAndName()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await CreateGreeterAsync(h);

        var byName = await h.Client.Deployments.GetAsync("emulator/greeter");
        var byParts = await h.Client.Deployments.GetAsync("emulator", "greeter");
        var byIdentifier = await h.Client.Deployments.GetAsync("deployment:emulator/greeter");

        Assert.All(h.Emulator.Requests, r => Assert.Equal(("GET", "/v1/deployments/emulator/greeter"), (r.Method, r.Path)));
        Assert.All([byName, byParts, byIdentifier], d => Assert.Equal(1, d.CurrentRelease!.Number));
    }

    [Fact]
    public async Task Update_PatchesOnlyTheFieldsSet_AndEveryChangeMakesANewRelease()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await CreateGreeterAsync(h);

        var scaled = await h.Client.Deployments.UpdateAsync("emulator/greeter", new UpdateDeploymentOptions { MaxInstances = 5 });
        var moved = await h.Client.Deployments.UpdateAsync("emulator", "greeter", new UpdateDeploymentOptions { Hardware = "gpu-a40-small", MinInstances = 1 });

        var requests = h.Requests("PATCH", "/v1/deployments/emulator/greeter");
        Assert.Equal("""{"max_instances":5}""", requests[0].Body);
        Assert.Equal("""{"hardware":"gpu-a40-small","min_instances":1}""", requests[1].Body);
        Assert.Equal(2, scaled.CurrentRelease!.Number);
        Assert.Equal(("gpu-t4", 0, 5), (scaled.CurrentRelease.Configuration!.Hardware, scaled.CurrentRelease.Configuration.MinInstances, scaled.CurrentRelease.Configuration.MaxInstances));
        Assert.Equal(3, moved.CurrentRelease!.Number);
        Assert.Equal(("gpu-a40-small", 1, 5), (moved.CurrentRelease.Configuration!.Hardware, moved.CurrentRelease.Configuration.MinInstances, moved.CurrentRelease.Configuration.MaxInstances));
    }

    [Fact]
    public async Task Update_ToAVersionOfAnotherModel_Is422()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await CreateGreeterAsync(h);
        var llama = (await h.Client.Models.GetAsync("meta/meta-llama-3-8b-instruct")).LatestVersion!.Id;

        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Deployments.UpdateAsync("emulator/greeter", new UpdateDeploymentOptions { Version = llama }));

        Assert.Equal((HttpStatusCode)422, ex.StatusCode);
        Assert.StartsWith("version:", ex.Detail, StringComparison.Ordinal);
        Assert.Equal(1, (await h.Client.Deployments.GetAsync("emulator/greeter")).CurrentRelease!.Number);
    }

    [Fact]
    public async Task Delete_Is204_ThenGetIs404()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await CreateGreeterAsync(h);
        await CreateGreeterAsync(h, "other");

        await h.Client.Deployments.DeleteAsync("emulator/greeter");
        await h.Client.Deployments.DeleteAsync("emulator", "other");
        var gone = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Deployments.GetAsync("emulator/greeter"));
        var again = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Deployments.DeleteAsync("emulator/greeter"));

        Assert.Equal(["/v1/deployments/emulator/greeter", "/v1/deployments/emulator/other"], h.Requests("DELETE", "/v1/deployments/").Take(2).Select(r => r.Path));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("The requested deployment does not exist", gone.Detail);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task ListAndEnumerate_NewestFirst_AcrossPages()
    {
        await using var h = await EmulatorHarness.StartAsync(o => o.PageSize = 2);
        foreach (var name in new[] { "one", "two", "three" })
        {
            await CreateGreeterAsync(h, name);
        }

        var first = await h.Client.Deployments.ListAsync();
        var names = new List<string>();
        await foreach (var deployment in h.Client.Deployments.EnumerateAsync())
        {
            names.Add(deployment.Name);
        }

        Assert.Equal(["three", "two"], first.Results.Select(d => d.Name));
        Assert.NotNull(first.Next);
        Assert.Equal(["three", "two", "one"], names);
        Assert.Equal(3, h.Requests("GET", "/v1/deployments").Count);
    }

    [Fact]
    public async Task Predictions_CreateAsync_PostsToTheDeployment_WithPreferAndCancelAfter()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await CreateGreeterAsync(h);

        var prediction = await h.Client.Deployments.Predictions.CreateAsync(
            "emulator/greeter", new { text = "deployment" }, new PredictionOptions { Wait = TimeSpan.FromSeconds(5), CancelAfter = TimeSpan.FromMinutes(1) });
        var second = await h.Client.Deployments.Predictions.CreateAsync("emulator", "greeter", new { text = "again" });

        var request = h.Emulator.Requests[0];
        Assert.Equal(("POST", "/v1/deployments/emulator/greeter/predictions"), (request.Method, request.Path));
        Assert.Equal("""{"input":{"text":"deployment"}}""", request.Body);
        Assert.Equal("wait=5", request.Headers["Prefer"]);
        Assert.Equal("60s", request.Headers["Cancel-After"]);
        Assert.Equal("emulator/greeter", prediction.Deployment);
        Assert.Equal("hello deployment", prediction.Output!.Value.GetString());
        Assert.Equal("/v1/deployments/emulator/greeter/predictions", h.Emulator.Requests[1].Path);
        Assert.Equal("emulator/greeter", second.Deployment);
    }

    [Fact]
    public async Task RunAsync_OnADeployment_RunsItsCurrentRelease()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await CreateGreeterAsync(h);

        var output = await h.Client.RunAsync(ModelIdentifier.Deployment("emulator", "greeter"), new { text = "from a deployment" });
        var parsed = await h.Client.RunAsync("deployment:emulator/greeter", new { text = "parsed" });

        Assert.Equal("hello from a deployment", output.AsString());
        Assert.Equal("hello parsed", parsed.AsString());
        var creates = h.Requests("POST", "/v1/");
        Assert.All(creates, r => Assert.Equal("/v1/deployments/emulator/greeter/predictions", r.Path));
        Assert.DoesNotContain("version", creates[0].Body, StringComparison.Ordinal);
        Assert.Equal("emulator/greeter", output.Prediction.Deployment);
    }

    [Fact]
    public async Task StreamAsync_OnADeployment_StreamsTokens()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await CreateGreeterAsync(h, "chat", "meta/meta-llama-3-8b-instruct");

        var text = string.Concat(await h.Client.StreamTextAsync("deployment:emulator/chat", new { prompt = "hi", max_tokens = 4 }).ToListAsync());

        Assert.Equal("You said: hi. I'm", text);
        var create = Assert.Single(h.Requests("POST", "/v1/"));
        Assert.Equal("/v1/deployments/emulator/chat/predictions", create.Path);
        Assert.Equal("""{"input":{"prompt":"hi","max_tokens":4},"stream":true}""", create.Body);
    }

    [Fact]
    public async Task UnknownDeployment_Is404_ForEveryOperation()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var deployments = h.Client.Deployments;

        var errors = new[]
        {
            await Assert.ThrowsAsync<ReplicateApiException>(() => deployments.GetAsync("acme/missing")),
            await Assert.ThrowsAsync<ReplicateApiException>(() => deployments.UpdateAsync("acme/missing", new UpdateDeploymentOptions { MaxInstances = 1 })),
            await Assert.ThrowsAsync<ReplicateApiException>(() => deployments.DeleteAsync("acme/missing")),
            await Assert.ThrowsAsync<ReplicateApiException>(() => deployments.Predictions.CreateAsync("acme/missing", new { text = "x" })),
            await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.RunAsync("deployment:acme/missing", new { text = "x" })),
        };

        Assert.All(errors, e => Assert.Equal(HttpStatusCode.NotFound, e.StatusCode));
    }

    [Fact]
    public async Task Create_ServerSideRefusals_AreProblemDetails()
    {
        await using var h = await EmulatorHarness.StartAsync();
        await CreateGreeterAsync(h);
        var version = (await h.Client.Models.GetAsync("replicate/hello-world")).LatestVersion!.Id;
        CreateDeploymentOptions Options(string name, string hardware = "gpu-t4", int max = 1) =>
            new() { Name = name, Model = "replicate/hello-world", Version = version, Hardware = hardware, MinInstances = 0, MaxInstances = max };

        var taken = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Deployments.CreateAsync(Options("greeter")));
        var hardware = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Deployments.CreateAsync(Options("new", hardware: "gpu-quantum")));
        var tooMany = await Assert.ThrowsAsync<ReplicateApiException>(() => h.Client.Deployments.CreateAsync(Options("new", max: 21)));

        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
        Assert.Equal((HttpStatusCode)422, hardware.StatusCode);
        Assert.Contains("hardware", hardware.Detail, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode)422, tooMany.StatusCode);
        Assert.StartsWith("max_instances:", tooMany.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidArguments_FailBeforeAnyRequest()
    {
        await using var h = await EmulatorHarness.StartAsync();
        var deployments = h.Client.Deployments;
        var version = new string('a', 64);
        CreateDeploymentOptions Valid() => new() { Name = "d", Model = "acme/m", Version = version, Hardware = "cpu", MinInstances = 0, MaxInstances = 1 };
        CreateDeploymentOptions With(Action<CreateDeploymentOptions> change)
        {
            var options = Valid();
            change(options);
            return options;
        }

        await Assert.ThrowsAsync<ArgumentNullException>(() => deployments.CreateAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.CreateAsync(With(o => o.Name = "a/b")));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.CreateAsync(With(o => o.Model = "acme/m:" + version)));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.CreateAsync(With(o => o.Model = "m")));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.CreateAsync(With(o => o.Version = "latest")));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.CreateAsync(With(o => o.Hardware = "")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => deployments.CreateAsync(With(o => o.MinInstances = -1)));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.CreateAsync(With(o => (o.MinInstances, o.MaxInstances) = (3, 2))));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.UpdateAsync("acme/d", new UpdateDeploymentOptions()));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.UpdateAsync("acme/d", new UpdateDeploymentOptions { Version = "v2" }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => deployments.UpdateAsync("acme/d", new UpdateDeploymentOptions { MaxInstances = -2 }));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.UpdateAsync("acme/d", new UpdateDeploymentOptions { MinInstances = 4, MaxInstances = 1 }));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.GetAsync("acme"));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.GetAsync($"acme/d:{version}"));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.GetAsync(" "));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.GetAsync("acme", "a b"));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.DeleteAsync("../x"));
        await Assert.ThrowsAsync<ArgumentException>(() => deployments.Predictions.CreateAsync("acme", new { text = "x" }));
        await Assert.ThrowsAsync<ArgumentNullException>(() => deployments.Predictions.CreateAsync("acme/d", null!));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => deployments.Predictions.CreateAsync("acme/d", new { }, new PredictionOptions { Wait = TimeSpan.FromMinutes(2) }));

        Assert.Empty(h.Emulator.Requests);
    }
}
