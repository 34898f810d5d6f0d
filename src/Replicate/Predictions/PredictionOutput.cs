using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Replicate;

/// <summary>
/// What a model produced, with typed views over it: <see cref="ToString"/> for text (token arrays are joined),
/// <see cref="AsFile"/>/<see cref="AsFiles"/> for files, <see cref="Deserialize{T}(JsonTypeInfo{T})"/> for structured
/// output, and <see cref="Json"/> for anything else. The shape depends on the model.
/// </summary>
public sealed class PredictionOutput
{
    private static readonly JsonElement NullElement = JsonDocument.Parse("null").RootElement;
    private static readonly JsonSerializerOptions ReflectionOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private readonly ReplicateTransport _transport;

    internal PredictionOutput(Prediction prediction, ReplicateTransport transport)
    {
        Prediction = prediction;
        _transport = transport;
    }

    /// <summary>Gets the prediction that produced the output (id, metrics, logs).</summary>
    public Prediction Prediction { get; }

    /// <summary>Gets the output as JSON.</summary>
    public JsonElement Json => Prediction.Output ?? NullElement;

    /// <summary>Gets whether the model produced no output (<c>null</c>).</summary>
    public bool IsNull => Json.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    /// <summary>Returns the output when it is a single string.</summary>
    /// <returns>The string, or <see langword="null"/> when the output is <c>null</c>.</returns>
    /// <exception cref="InvalidOperationException">The output is not a string; the message says what it is.</exception>
    public string? AsString() => Prediction.TryReadRawStringOutput(out var text) ? text : Json.ValueKind switch
    {
        JsonValueKind.String => Json.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => throw new InvalidOperationException(
            $"The output of prediction {Prediction.Id} is a JSON {Json.ValueKind}, not a string. Use ToString() to join token arrays, AsFiles() for file lists, or Json."),
    };

    /// <summary>Returns the output file: a URL or <c>data:</c> URI, or an array holding exactly one.</summary>
    /// <returns>The file.</returns>
    /// <exception cref="InvalidOperationException">The output is not exactly one file; the message says what it is.</exception>
    public FileOutput AsFile()
    {
        if (Prediction.TryReadRawStringOutput(out var url) ? FileOutput.TryCreate(url, _transport, out var file)
            : Json.ValueKind == JsonValueKind.String && FileOutput.TryCreate(Json.GetString(), _transport, out file))
        {
            return file!;
        }

        var files = AsFiles();
        return files.Count == 1
            ? files[0]
            : throw new InvalidOperationException(files.Count == 0
                ? $"The output of prediction {Prediction.Id} holds no file URL (it is a JSON {Json.ValueKind})."
                : $"The output of prediction {Prediction.Id} holds {files.Count} files; use AsFiles().");
    }

    /// <summary>
    /// Returns the file a string inside this output names (an element of <see cref="Json"/>), for reading outputs by
    /// hand or from generated code: <see langword="null"/> when it is not an <c>https:</c>, <c>http:</c> or <c>data:</c> string.
    /// </summary>
    /// <param name="element">An element of this output.</param>
    /// <returns>The file, or <see langword="null"/>.</returns>
    public FileOutput? FileAt(JsonElement element) =>
        element.ValueKind == JsonValueKind.String && FileOutput.TryCreate(element.GetString(), _transport, out var file) ? file : null;

    /// <summary>
    /// Returns every file in the output, at any depth (strings, arrays, objects), in document order. Only
    /// <c>https:</c>, <c>http:</c> and <c>data:</c> values count; other strings are left alone.
    /// </summary>
    /// <returns>The files; empty when there are none.</returns>
    public IReadOnlyList<FileOutput> AsFiles()
    {
        var files = new List<FileOutput>();
        Collect(Json, files, depth: 0);
        return files;
    }

    /// <summary>Deserializes the output with source-generated metadata (trimming- and AOT-safe).</summary>
    /// <typeparam name="T">The type to read.</typeparam>
    /// <param name="typeInfo">Metadata from your own <c>JsonSerializerContext</c>.</param>
    /// <returns>The value.</returns>
    /// <exception cref="JsonException">The output does not fit <typeparamref name="T"/>.</exception>
    public T? Deserialize<T>(JsonTypeInfo<T> typeInfo) => Json.Deserialize(typeInfo);

    /// <summary>Deserializes the output by reflection; snake_case output keys map to PascalCase properties.</summary>
    /// <typeparam name="T">The type to read.</typeparam>
    /// <returns>The value.</returns>
    /// <exception cref="JsonException">The output does not fit <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode("Reflection-based JSON; use the JsonTypeInfo overload for trimmed apps.")]
    [RequiresDynamicCode("Reflection-based JSON; use the JsonTypeInfo overload for AOT apps.")]
    public T? Deserialize<T>() => Json.Deserialize<T>(ReflectionOptions);

    /// <summary>
    /// Returns the output as text: a string as it is; an array of strings joined with no separator (how language
    /// models stream tokens); nothing for <c>null</c>; any other JSON as JSON text.
    /// </summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        if (Prediction.TryReadRawStringOutput(out var text))
        {
            return text!;
        }

        switch (Json.ValueKind)
        {
            case JsonValueKind.String:
                return Json.GetString()!;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return string.Empty;
            case JsonValueKind.Array:
                var builder = new StringBuilder();
                foreach (var item in Json.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        return Json.GetRawText();
                    }

                    builder.Append(item.GetString());
                }

                return builder.ToString();
            default:
                return Json.GetRawText();
        }
    }

    private void Collect(JsonElement element, List<FileOutput> files, int depth)
    {
        // JsonDocument already limits depth to 64; this keeps the walk bounded even for elements built elsewhere.
        if (depth > 64)
        {
            return;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                if (FileOutput.TryCreate(element.GetString(), _transport, out var file))
                {
                    files.Add(file!);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, files, depth + 1);
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Collect(property.Value, files, depth + 1);
                }

                break;
        }
    }
}
