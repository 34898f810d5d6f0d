using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Replicate.Extensions.AI;

/// <summary>
/// Turns a batch of texts and <see cref="EmbeddingGenerationOptions"/> into one Replicate model input. The defaults fit
/// <c>replicate/all-mpnet-base-v2</c>: the whole batch goes to <c>text_batch</c> as a JSON-formatted list of strings,
/// the form most embedding models on Replicate take (their inputs are strings); set
/// <see cref="TextsAsJsonString"/> to <see langword="false"/> for a model that takes a real array, and
/// <see cref="TextsInputName"/> for another name (e.g. <c>texts</c>). Derive and override <see cref="Map"/> for anything else.
/// </summary>
/// <remarks>
/// <see cref="EmbeddingGenerationOptions.Dimensions"/> goes to <see cref="DimensionsInputName"/>, which is unset by
/// default because all-mpnet-base-v2 has a fixed size: asking such a model for a size throws rather than returning
/// vectors of another length. Every entry of <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> is copied
/// into the input as it is (e.g. <c>normalize_embeddings</c>), replacing a mapped value of the same name; a
/// <see langword="null"/> value removes that input.
/// </remarks>
public class ReplicateEmbeddingInputMapper
{
    /// <summary>Gets the input that receives the batch of texts (<c>text_batch</c>).</summary>
    public string TextsInputName { get; init; } = "text_batch";

    /// <summary>Gets whether the batch is sent as one JSON-formatted string (<c>"[\"a\",\"b\"]"</c>, the default) rather than an array.</summary>
    public bool TextsAsJsonString { get; init; } = true;

    /// <summary>Gets the input that receives <see cref="EmbeddingGenerationOptions.Dimensions"/>; <see langword="null"/> (the default) when the model's size is fixed.</summary>
    public string? DimensionsInputName { get; init; }

    /// <summary>Builds the model input for one batch.</summary>
    /// <param name="values">The texts, in order; not empty.</param>
    /// <param name="options">The options, if any.</param>
    /// <returns>The input.</returns>
    /// <exception cref="ArgumentException">A text is <see langword="null"/>, or the options ask for dimensions the model cannot be given.</exception>
    public virtual IDictionary<string, object?> Map(IReadOnlyList<string> values, EmbeddingGenerationOptions? options)
    {
        ArgumentNullException.ThrowIfNull(values);
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is null)
            {
                throw new ArgumentException($"Text {i} of the batch is null.", nameof(values));
            }
        }

        var input = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            [TextsInputName] = TextsAsJsonString ? ToJsonList(values) : values.ToArray(),
        };
        if (options is null)
        {
            return input;
        }

        if (options.Dimensions is { } dimensions)
        {
            input[DimensionsInputName ?? throw new ArgumentException(
                $"The options ask for {dimensions} dimensions, and this mapper has no DimensionsInputName: the model's vectors have a fixed size. Leave Dimensions unset, or set DimensionsInputName for a model that takes one.",
                nameof(options))] = dimensions;
        }

        AdapterHelpers.ApplyAdditionalProperties(input, options.AdditionalProperties);
        return input;
    }

    private static string ToJsonList(IReadOnlyList<string> values)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
