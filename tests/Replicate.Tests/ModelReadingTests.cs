using Replicate.Tests.Infrastructure;
using static Replicate.Tests.Infrastructure.ScriptedResponses;

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
        await using var server = await ScriptedServer.StartAsync((context, _) =>
        {
            var path = context.Request.Path.Value!;
            var json = path.EndsWith("/collections/c", StringComparison.Ordinal)
                ? $$"""{"name":"C","slug":"c","description":"d","models":[{{model}}]}"""
                : context.Request.Method == "GET" && path.EndsWith("/models", StringComparison.Ordinal)
                    ? $$"""{"next":null,"previous":null,"results":[{{model}}]}"""
                    : model;
            return Json(context, context.Request.Method == "POST" ? 201 : 200, json);
        });
        using var client = Client(server.BaseAddress);

        Model[] read =
        [
            await client.Models.GetAsync(name),
            Assert.Single((await client.Models.ListAsync()).Results),
            await client.Models.CreateAsync(new CreateModelOptions { Owner = "acme", Name = name.Split('/')[1], Visibility = ModelVisibility.Public, Hardware = "cpu" }),
            await client.Models.UpdateAsync(name, new UpdateModelOptions { Description = "d" }),
            Assert.Single((await client.Collections.GetAsync("c")).Models),
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
        await using var server = await ScriptedServer.StartAsync((context, n) => Json(context, 200, n == 1
            ? $$$"""{"owner":"acme","name":"full","default_example":{{{Prediction("ex1")}}},"latest_version":{"id":"{{{Version}}}","cog_version":"0.9.4"}}"""
            : """{"owner":"acme","name":"odd","default_example":{"id":"ex2","status":42},"latest_version":{"id":7}}"""));
        using var client = Client(server.BaseAddress);

        var full = await client.Models.GetAsync("acme/full");
        var odd = await client.Models.GetAsync("acme/odd");

        Assert.Equal("ex1", full.DefaultExample?.Id);
        Assert.Equal(Version, full.LatestVersion?.Id);
        Assert.Equal("acme/odd", odd.ToString());
        Assert.Null(odd.DefaultExample);
        Assert.Null(odd.LatestVersion);
    }
}
