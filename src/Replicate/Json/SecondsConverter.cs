using System.Text.Json;
using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>Reads durations the API sends as a number of seconds.</summary>
internal sealed class SecondsConverter : JsonConverter<TimeSpan?>
{
    public override bool HandleNull => true;

    public override TimeSpan? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        // A hostile or buggy server could send NaN-like or huge numbers: clamp instead of throwing OverflowException.
        var seconds = reader.GetDouble();
        return seconds >= TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue
            : seconds <= 0 ? TimeSpan.Zero
            : TimeSpan.FromSeconds(seconds);
    }

    public override void Write(Utf8JsonWriter writer, TimeSpan? value, JsonSerializerOptions options)
    {
        if (value is { } v)
        {
            writer.WriteNumberValue(v.TotalSeconds);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
