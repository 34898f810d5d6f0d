using Replicate.Tests.Infrastructure;
using static Replicate.Tests.Infrastructure.ScriptedApi;

namespace Replicate.Tests;

/// <summary>Model responses the spec allows, which the SDK must read whole.</summary>
public class ModelReadingTests
{
    // default_example and latest_version are "an object or null" with no required field: {} and partial objects are valid.
    private const string EmptyObjects = """{"url":"https://replicate.com/acme/empty","owner":"acme","name":"empty","description":"d","visibility":"public","run_count":7,"default_example":{},"latest_version":{},"is_official":false}""";
    private const string PartialObjects = """{"url":"https://replicate.com/acme/partial","owner":"acme","name":"partial","visibility":"private","run_count":1,"default_example":{"status":"succeeded","output":"x"},"latest_version":{"cog_version":"0.9.4","openapi_schema":{}}}""";

    [Theory]
    [InlineData(EmptyObjects, "acme/empty", 7)]
    [InlineData(PartialObjects, "acme/partial", 1)]
    public async Task ModelsWithAnEmptyOrPartialExampleOrVersion_AreReadOnEveryEndpoint_AsAbsent(string model, string name, long runCount)
    {
        using var server = Start();
        server.Given(Api("models/" + name)).RespondWith(Json(200, model));
        server.Given(Api("models")).RespondWith(Json(200, $$"""{"next":null,"previous":null,"results":[{{model}}]}"""));
        server.Given(Api("models", "POST")).RespondWith(Json(201, model));
        server.Given(Api("models/" + name, "PATCH")).RespondWith(Json(200, model));
        server.Given(Api("collections/c")).RespondWith(Json(200, $$"""{"name":"C","slug":"c","description":"d","models":[{{model}}]}"""));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);

        Model[] read =
        [
            await clock.RunAsync(client.Models.GetAsync(name)),
            Assert.Single((await clock.RunAsync(client.Models.ListAsync())).Results),
            await clock.RunAsync(client.Models.CreateAsync(new CreateModelOptions { Owner = "acme", Name = name.Split('/')[1], Visibility = ModelVisibility.Public, Hardware = "cpu" })),
            await clock.RunAsync(client.Models.UpdateAsync(name, new UpdateModelOptions { Description = "d" })),
            Assert.Single((await clock.RunAsync(client.Collections.GetAsync("c"))).Models),
        ];

        Assert.All(read, m =>
        {
            Assert.Equal(name, m.ToString());
            Assert.Equal(runCount, m.RunCount);
            Assert.Null(m.DefaultExample);
            Assert.Null(m.LatestVersion);
        });
    }

    [Fact]
    public async Task ACompleteExampleAndVersion_AreStillRead_AndAMalformedOneDoesNotFailTheModel()
    {
        const string Version = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";
        using var server = Start();
        server.Given(Api("models/acme/full")).RespondWith(Json(
            200, $$$"""{"owner":"acme","name":"full","default_example":{{{Prediction("ex1")}}},"latest_version":{"id":"{{{Version}}}","cog_version":"0.9.4"}}"""));
        server.Given(Api("models/acme/odd")).RespondWith(Json(
            200, """{"owner":"acme","name":"odd","default_example":{"id":"ex2","status":42},"latest_version":{"id":7}}"""));
        var clock = new TestClock();
        using var client = Client(server.ApiBase(), clock);

        var full = await clock.RunAsync(client.Models.GetAsync("acme/full"));
        var odd = await clock.RunAsync(client.Models.GetAsync("acme/odd"));

        Assert.Equal("ex1", full.DefaultExample?.Id);
        Assert.Equal(Version, full.LatestVersion?.Id);
        Assert.Equal("acme/odd", odd.ToString());
        Assert.Null(odd.DefaultExample);
        Assert.Null(odd.LatestVersion);
    }
}
