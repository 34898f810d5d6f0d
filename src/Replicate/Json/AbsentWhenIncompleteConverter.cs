using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Replicate;

/// <summary>
/// Reads an optional nested object the spec types only as "an object or null" (a model's <c>default_example</c> and
/// <c>latest_version</c>): <c>{}</c>, an object without a string <c>id</c>, or one the SDK cannot read reads as absent
/// (<see langword="null"/>) instead of failing the whole response around it.
/// </summary>
/// <typeparam name="T">The type of a complete object (<see cref="Prediction"/>, <see cref="ModelVersion"/>).</typeparam>
internal sealed class AbsentWhenIncompleteConverter<T> : JsonConverter<T>
    where T : class
{
    public override bool HandleNull => true;

    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            // null, or something the spec does not allow here: either way there is nothing to read.
            reader.Skip();
            return null;
        }

        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        if (!root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        try
        {
            return root.Deserialize((JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
        }
        catch (JsonException)
        {
            // A partial or odd nested object must not make the model unreadable.
            return null;
        }
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value, (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T)));
}
