using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Replicate;

/// <summary>
/// Writes the caller's <c>input</c> (anonymous objects, dictionaries, records, <see cref="JsonNode"/>,
/// <see cref="JsonElement"/>) into a request body. Model inputs are snake_case, so property names of
/// classes and anonymous types are converted (<c>NumOutputs</c> → <c>num_outputs</c>); dictionary keys,
/// <c>[JsonPropertyName]</c> and JSON values are sent exactly as given.
/// </summary>
internal static class InputSerializer
{
    private static readonly JsonSerializerOptions Options = CreateOptions();

    /// <summary>Writes <paramref name="input"/> as the value of the current property; it must be a JSON object.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Inputs are caller-defined types; the library is not marked trimmable.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Inputs are caller-defined types; the library is not marked AOT-compatible.")]
    public static void WriteInput(Utf8JsonWriter writer, object input, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(input, parameterName);
        switch (input)
        {
            case JsonObject node:
                node.WriteTo(writer);
                return;
            case JsonElement { ValueKind: JsonValueKind.Object } element:
                element.WriteTo(writer);
                return;
            case JsonNode or JsonElement or string or System.Collections.IEnumerable when input is not System.Collections.IDictionary:
                throw new ArgumentException(
                    $"The model input must be a JSON object with named fields, for example new {{ prompt = \"...\" }}; got {Describe(input)}.", parameterName);
        }

        // Serialize to a scratch buffer first so a failure leaves the request body untouched and names the input.
        var scratch = new ArrayBufferWriter<byte>(256);
        try
        {
            using (var inner = new Utf8JsonWriter(scratch))
            {
                JsonSerializer.Serialize(inner, input, input.GetType(), Options);
            }
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new ArgumentException($"The model input of type {input.GetType().Name} cannot be serialized to JSON: {ex.Message}", parameterName, ex);
        }

        var span = scratch.WrittenSpan;
        if (span.IsEmpty || span[0] != (byte)'{')
        {
            throw new ArgumentException(
                $"The model input must serialize to a JSON object with named fields, for example new {{ prompt = \"...\" }}; {input.GetType().Name} did not.", parameterName);
        }

        writer.WriteRawValue(span, skipInputValidation: true);
    }

    private static string Describe(object input) => input switch
    {
        string => "a string",
        JsonNode node => $"a JSON {node.GetValueKind()}",
        JsonElement element => $"a JSON {element.ValueKind}",
        _ => $"a collection ({input.GetType().Name})",
    };

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Inputs are caller-defined types; the library is not marked trimmable.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Inputs are caller-defined types; the library is not marked AOT-compatible.")]
    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            MaxDepth = 64,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        options.Converters.Add(new FileOutputUrlConverter());
        options.MakeReadOnly();
        return options;
    }

    /// <summary>A <see cref="FileOutput"/> passed as input becomes its URL, so one model's output feeds the next.</summary>
    private sealed class FileOutputUrlConverter : JsonConverter<FileOutput>
    {
        public override FileOutput Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("FileOutput is written as a URL and is never read from input.");

        public override void Write(Utf8JsonWriter writer, FileOutput value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Uri.OriginalString);
    }
}
