using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Replicate.Extensions.AI;

/// <summary>
/// An <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of <see cref="Embedding{T}"/> of <see cref="float"/> over a
/// Replicate embedding model, <see cref="DefaultModelId"/> unless the caller names another. All the texts of one call go
/// into one prediction (<see cref="InputMapper"/> writes the batch as the model takes it), and the output, a list with
/// one vector per text in order (<c>[[...], ...]</c> or <c>[{"embedding": [...]}, ...]</c>), becomes the embeddings.
/// Create it with <see cref="ReplicateAIExtensions.AsEmbeddingGenerator"/>.
/// </summary>
/// <remarks>
/// An empty batch returns no embeddings without running anything. Each embedding's <see cref="Embedding.ModelId"/> is
/// the model run, its <see cref="Embedding.CreatedAt"/> the prediction's creation time, and the result's
/// <see cref="GeneratedEmbeddings{TEmbedding}.AdditionalProperties"/> hold the prediction id under
/// <see cref="PredictionIdPropertyName"/>. Canceling the token cancels the prediction on the server. A model that fails
/// throws <see cref="PredictionFailedException"/>; an output that is not one vector per text throws
/// <see cref="InvalidOperationException"/> naming what is wrong. The generator does not own the <see cref="ReplicateClient"/>.
/// </remarks>
public sealed class ReplicateEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The model run when the caller names none: <c>replicate/all-mpnet-base-v2</c> (768 dimensions).</summary>
    public const string DefaultModelId = "replicate/all-mpnet-base-v2";

    /// <summary>The <see cref="GeneratedEmbeddings{TEmbedding}.AdditionalProperties"/> key of the id of the prediction that made them.</summary>
    public const string PredictionIdPropertyName = "prediction_id";

    private readonly ReplicateClient _client;
    private readonly string _defaultModelId;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <summary>Initializes an embedding generator over one model.</summary>
    /// <param name="client">The Replicate client; not owned.</param>
    /// <param name="modelId">The model to run unless <see cref="EmbeddingGenerationOptions.ModelId"/> names another.</param>
    /// <param name="inputMapper">How a batch and options become the model's input; <see langword="null"/> for all-mpnet-base-v2's <c>text_batch</c>.</param>
    /// <param name="dimensions">The length of the model's vectors, if known, for <see cref="EmbeddingGeneratorMetadata.DefaultModelDimensions"/>.</param>
    /// <exception cref="FormatException"><paramref name="modelId"/> is not a model identifier.</exception>
    public ReplicateEmbeddingGenerator(ReplicateClient client, string modelId = DefaultModelId, ReplicateEmbeddingInputMapper? inputMapper = null, int? dimensions = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(modelId);
        _ = ModelIdentifier.Parse(modelId);
        _client = client;
        _defaultModelId = modelId;
        InputMapper = inputMapper ?? new ReplicateEmbeddingInputMapper();
        _metadata = new EmbeddingGeneratorMetadata("replicate", client.BaseAddress, modelId, dimensions ?? (modelId == DefaultModelId ? 768 : null));
    }

    /// <summary>Gets the mapper that turns a batch and options into the model's input.</summary>
    public ReplicateEmbeddingInputMapper InputMapper { get; }

    /// <inheritdoc />
    /// <exception cref="PredictionFailedException">The model failed.</exception>
    /// <exception cref="InvalidOperationException">The output is not one vector of numbers per text; the message names the problem.</exception>
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values as IReadOnlyList<string> ?? [.. values];
        if (texts.Count == 0)
        {
            return [];
        }

        var modelId = options?.ModelId ?? _defaultModelId;
        var input = InputMapper.Map(texts, options);
        var output = await _client.RunAsync(modelId, input, ReplicateChatClient.NoSyncWait(), cancellationToken: cancellationToken).ConfigureAwait(false);
        var prediction = output.Prediction;
        var vectors = ReadVectors(output.Json, texts.Count, prediction.Id);
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(vectors.Count)
        {
            AdditionalProperties = new() { [PredictionIdPropertyName] = prediction.Id },
        };
        foreach (var vector in vectors)
        {
            embeddings.Add(new Embedding<float>(vector) { ModelId = modelId, CreatedAt = prediction.CreatedAt });
        }

        return embeddings;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        AdapterHelpers.GetService(serviceType, serviceKey, this, _metadata, _client);

    /// <summary>Does nothing: the <see cref="ReplicateClient"/> belongs to the caller.</summary>
    public void Dispose()
    {
    }

    /// <summary>One vector per text: the output's items, each an array of numbers or an object with an <c>embedding</c> array;
    /// a single text may also come back as one bare array of numbers.</summary>
    private static List<float[]> ReadVectors(JsonElement output, int expected, string predictionId)
    {
        if (output.ValueKind != JsonValueKind.Array)
        {
            throw WrongShape(predictionId, output.ValueKind == JsonValueKind.Null ? "it is null" : "it is not a list", output);
        }

        if (expected == 1 && output.GetArrayLength() > 0 && output[0].ValueKind == JsonValueKind.Number)
        {
            return [ReadVector(output, 0, predictionId, output)];
        }

        var vectors = new List<float[]>(output.GetArrayLength());
        foreach (var item in output.EnumerateArray())
        {
            var vector = item.ValueKind switch
            {
                JsonValueKind.Array => item,
                JsonValueKind.Object when item.TryGetProperty("embedding", out var embedding) && embedding.ValueKind == JsonValueKind.Array => embedding,
                _ => throw WrongShape(predictionId, $"item {vectors.Count} is neither an array of numbers nor an object with an 'embedding' array", output),
            };
            vectors.Add(ReadVector(vector, vectors.Count, predictionId, output));
        }

        return vectors.Count == expected
            ? vectors
            : throw WrongShape(predictionId, $"it holds {vectors.Count} vectors for {expected} texts", output);
    }

    private static float[] ReadVector(JsonElement array, int index, string predictionId, JsonElement output)
    {
        var vector = new float[array.GetArrayLength()];
        var i = 0;
        foreach (var number in array.EnumerateArray())
        {
            if (number.ValueKind != JsonValueKind.Number)
            {
                throw WrongShape(predictionId, $"vector {index} holds a {number.ValueKind.ToString().ToLowerInvariant()} at position {i}, not a number", output);
            }

            vector[i++] = number.GetSingle();
        }

        return vector.Length > 0 ? vector : throw WrongShape(predictionId, $"vector {index} is empty", output);
    }

    private static InvalidOperationException WrongShape(string predictionId, string problem, JsonElement output) =>
        new($"Prediction {predictionId} returned no embeddings: {problem}; expected a list with one vector of numbers per text. Its output was: {AdapterHelpers.Describe(output)}");
}
