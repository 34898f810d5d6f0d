using System.Text.Json;
using Microsoft.Extensions.AI;
using Replicate.Testing;

namespace Replicate.Extensions.AI.Tests;

public class EmbeddingGeneratorTests
{
    private const string Mpnet = "replicate/all-mpnet-base-v2";

    [Fact]
    public async Task Generate_SendsTheWholeBatchInOnePrediction_AndReturnsOneVectorPerTextInOrder()
    {
        await using var h = await Harness.StartAsync();
        using var generator = h.Client.AsEmbeddingGenerator();

        var embeddings = await generator.GenerateAsync(["cat", "dog \"quoted\"", "cat"], new EmbeddingGenerationOptions { AdditionalProperties = new() { ["normalize"] = true } });

        var create = h.CreateRequest(); // one prediction for the three texts
        Assert.Equal("/v1/models/replicate/all-mpnet-base-v2/predictions", create.Path);
        var input = h.SentInput();
        Assert.Equal(["cat", "dog \"quoted\"", "cat"], JsonDocument.Parse(input.GetProperty("text_batch").GetString()!).RootElement.EnumerateArray().Select(e => e.GetString()));
        Assert.True(input.GetProperty("normalize").GetBoolean());

        Assert.Equal(3, embeddings.Count);
        Assert.All(embeddings, e => Assert.Equal(768, e.Dimensions));
        Assert.All(embeddings, e => Assert.Equal(Mpnet, e.ModelId));
        Assert.Equal(embeddings[0].Vector.ToArray(), embeddings[2].Vector.ToArray());
        Assert.NotEqual(embeddings[0].Vector.ToArray(), embeddings[1].Vector.ToArray());
        Assert.Equal(1.0, Math.Sqrt(embeddings[0].Vector.ToArray().Sum(x => (double)x * x)), 4);
        var predictionId = Assert.IsType<string>(embeddings.AdditionalProperties?[ReplicateEmbeddingGenerator.PredictionIdPropertyName]);
        Assert.EndsWith("/" + predictionId, Assert.Single(h.Emulator.Requests, r => r.Method == "GET" && r.Path.StartsWith("/v1/predictions/", StringComparison.Ordinal)).Path);
        Assert.NotNull(embeddings[0].CreatedAt);
    }

    [Fact]
    public async Task TheSameTextAlone_GetsTheSameVectorAsInABatch()
    {
        await using var h = await Harness.StartAsync();
        using var generator = h.Client.AsEmbeddingGenerator();

        var batch = await generator.GenerateAsync(["alpha", "beta"]);
        var alone = await generator.GenerateVectorAsync("beta");

        Assert.Equal(batch[1].Vector.ToArray(), alone.ToArray());
    }

    [Fact]
    public async Task AnEmptyBatch_ReturnsNoEmbeddings_WithoutRunningAnything()
    {
        await using var h = await Harness.StartAsync();
        using var generator = h.Client.AsEmbeddingGenerator();

        var embeddings = await generator.GenerateAsync([]);

        Assert.Empty(embeddings);
        Assert.Empty(h.Emulator.Requests);
    }

    [Fact]
    public async Task AModelTakingAnArray_AndReturningBareVectors_Works_WithAnotherMapper()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/embed", (input, _) => Task.FromResult<object?>(
            input.GetProperty("texts").EnumerateArray().Select(t => new[] { (float)t.GetString()!.Length, 0.5f }).ToArray()));
        using var generator = h.Client.AsEmbeddingGenerator("acme/embed", new ReplicateEmbeddingInputMapper { TextsInputName = "texts", TextsAsJsonString = false, DimensionsInputName = "dimensions" });

        var embeddings = await generator.GenerateAsync(["a", "abc"], new EmbeddingGenerationOptions { Dimensions = 2 });

        Assert.Equal(JsonValueKind.Array, h.SentInput().GetProperty("texts").ValueKind);
        Assert.Equal(2, h.SentInput().GetProperty("dimensions").GetInt32());
        Assert.Equal([[1f, 0.5f], [3f, 0.5f]], embeddings.Select(e => e.Vector.ToArray()));
    }

    [Fact]
    public async Task AskingAFixedSizeModelForDimensions_ThrowsBeforeAnythingIsSent()
    {
        await using var h = await Harness.StartAsync();
        using var generator = h.Client.AsEmbeddingGenerator();

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 256 }));

        Assert.Contains("no DimensionsInputName", ex.Message, StringComparison.Ordinal);
        Assert.Empty(h.Emulator.Requests);
    }

    [Fact]
    public async Task CancelingGenerate_CancelsThePredictionOnTheServer()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/slow-embed", async (_, ctx) =>
        {
            await ctx.DelayAsync(TimeSpan.FromSeconds(30));
            return null;
        });
        using var generator = h.Client.AsEmbeddingGenerator("acme/slow-embed");
        using var cts = new CancellationTokenSource();

        var call = generator.GenerateAsync(["x"], cancellationToken: cts.Token);
        await h.WaitForPollingAsync();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await h.AssertCanceledOnServerAsync(await h.WaitForCancelAsync());
    }

    [Fact]
    public async Task AFailingModel_Throws()
    {
        await using var h = await Harness.StartAsync();

        var ex = await Assert.ThrowsAsync<PredictionFailedException>(() => h.Client.AsEmbeddingGenerator("replicate/failing-model").GenerateAsync(["x"]));

        Assert.Equal("E1000: simulated model failure", ex.Error);
    }

    [Fact]
    public async Task ABatchTheModelRejects_FailsThePrediction_WithTheModelsMessage()
    {
        await using var h = await Harness.StartAsync();
        using var generator = h.Client.AsEmbeddingGenerator(inputMapper: new ReplicateEmbeddingInputMapper { TextsAsJsonString = false });

        // all-mpnet-base-v2 takes text_batch as a string: the emulator's schema check rejects an array before it runs.
        var ex = await Assert.ThrowsAsync<ReplicateApiException>(() => generator.GenerateAsync(["x"]));

        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, ex.StatusCode);
    }

    [Theory]
    [InlineData("""[[0.1,0.2]]""", 2, "it holds 1 vectors for 2 texts")]
    [InlineData("""{"embeddings":[[0.1]]}""", 1, "it is not a list")]
    [InlineData("""[{"vector":[0.1]},{"vector":[0.2]}]""", 2, "item 0 is neither an array of numbers nor an object with an 'embedding' array")]
    [InlineData("""[[0.1,"x"],[0.2,0.3]]""", 2, "vector 0 holds a string at position 1, not a number")]
    [InlineData("""[[],[0.2]]""", 2, "vector 0 is empty")]
    [InlineData("""null""", 1, "it is null")]
    public async Task AnOutputThatIsNotOneVectorPerText_Throws_NamingTheProblem(string output, int texts, string problem)
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/odd", (_, _) => Task.FromResult<object?>(System.Text.Json.Nodes.JsonNode.Parse(output)));
        using var generator = h.Client.AsEmbeddingGenerator("acme/odd");

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => generator.GenerateAsync(Enumerable.Repeat("t", texts)));

        Assert.Contains("returned no embeddings: " + problem, ex.Message, StringComparison.Ordinal);
        Assert.Contains("Its output was: " + output, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASingleTextAnsweredWithOneBareVector_IsAccepted()
    {
        await using var h = await Harness.StartAsync();
        h.Emulator.AddModel("acme/one", (_, _) => Task.FromResult<object?>(new[] { 0.25f, 0.75f }));

        var vector = await h.Client.AsEmbeddingGenerator("acme/one").GenerateVectorAsync("x");

        Assert.Equal([0.25f, 0.75f], vector.ToArray());
    }

    [Fact]
    public async Task GetService_ReturnsMetadataTheGeneratorAndTheReplicateClient()
    {
        await using var h = await Harness.StartAsync();
        using var generator = h.Client.AsEmbeddingGenerator();

        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        Assert.Equal(("replicate", Mpnet, 768, h.Client.BaseAddress), (metadata?.ProviderName, metadata?.DefaultModelId, metadata?.DefaultModelDimensions, metadata?.ProviderUri));
        Assert.Same(generator, generator.GetService<ReplicateEmbeddingGenerator>());
        Assert.Same(h.Client, generator.GetService<ReplicateClient>());
        Assert.Null(h.Client.AsEmbeddingGenerator("acme/other").GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions);
    }
}
