using System.Text.Json;
using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>One converter for every server-extensible string value, so an unknown value never fails a response.</summary>
internal sealed class ExtensibleStringConverter<T> : JsonConverter<T>
    where T : struct, IExtensibleString<T>
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw new JsonException($"Expected a string for {typeof(T).Name}, got {reader.TokenType}.");
        }

        return T.FromValue(reader.GetString()!);
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.Value);
}
