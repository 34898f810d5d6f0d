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
    /// <summary>What trimming and AOT analyzers tell a caller of an <c>object</c>-input method.</summary>
    public const string ReflectionWarning =
        "An object input is serialized by reflection, which trimming and Native AOT cannot see. Use a typed model " +
        "(<ReplicateModel> items) or the overload that takes a JsonTypeInfo for the input.";

    private static readonly JsonSerializerOptions Options = CreateOptions();

    /// <summary>
    /// Where file values go while <see cref="Serialize"/> runs on this thread. Serialization is synchronous, so a
    /// thread-static hands the per-call list to the converters without per-call options (which would rebuild the
    /// serializer's metadata cache on every request).
    /// </summary>
    [ThreadStatic]
    private static FileInputs? CollectingFiles;

    /// <summary>Writes <paramref name="input"/> as the value of the current property; it must be a JSON object and hold no file values.</summary>
    /// <param name="writer">The writer.</param>
    /// <param name="input">The value.</param>
    /// <param name="what">What the value is, for messages (<c>model input</c>, <c>file metadata</c>).</param>
    /// <param name="parameterName">The caller's parameter, for <see cref="ArgumentException"/>.</param>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    public static void WriteInput(Utf8JsonWriter writer, object input, string what, string parameterName) =>
        writer.WriteRawValue(Serialize(input, what, parameterName, files: null).Span, skipInputValidation: true);

    /// <summary>
    /// Serializes <paramref name="input"/> (a JSON object) to UTF-8. File values (<see cref="FileInfo"/>, <see cref="Stream"/>,
    /// bytes) are added to <paramref name="files"/> and written as its placeholders; without a list they are refused.
    /// </summary>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    public static ReadOnlyMemory<byte> Serialize(object input, string what, string parameterName, FileInputs? files)
    {
        ArgumentNullException.ThrowIfNull(input, parameterName);
        switch (input)
        {
            case JsonObject or JsonElement { ValueKind: JsonValueKind.Object }:
                break;
            case JsonNode or JsonElement or string or System.Collections.IEnumerable when input is not System.Collections.IDictionary:
                throw new ArgumentException(
                    $"The {what} must be a JSON object with named fields, for example new {{ prompt = \"...\" }}; got {Describe(input)}.", parameterName);
        }

        // Serialized into a rented scratch buffer first, so a failure leaves the request body untouched and names the
        // input; the result is copied out at its exact size.
        using var scratch = new PooledContent.Writer(256);
        var previous = CollectingFiles;
        CollectingFiles = files;
        try
        {
            var writer = JsonWriterCache.Rent(scratch);
            switch (input)
            {
                case JsonObject node:
                    node.WriteTo(writer);
                    break;
                case JsonElement element:
                    element.WriteTo(writer);
                    break;
                default:
                    JsonSerializer.Serialize(writer, input, input.GetType(), Options);
                    break;
            }

            JsonWriterCache.Return(writer);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw new ArgumentException($"The {what} of type {input.GetType().Name} cannot be serialized to JSON: {ex.Message}", parameterName, ex);
        }
        finally
        {
            CollectingFiles = previous;
        }

        var span = scratch.WrittenSpan;
        if (span.IsEmpty || span[0] != (byte)'{')
        {
            throw new ArgumentException(
                $"The {what} must serialize to a JSON object with named fields, for example new {{ prompt = \"...\" }}; {input.GetType().Name} did not.", parameterName);
        }

        return span.ToArray();
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
        options.Converters.Add(new ReplicateFileUrlConverter());
        options.Converters.Add(new FileValueConverterFactory());
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

    /// <summary>An uploaded <see cref="ReplicateFile"/> passed as input becomes its <c>urls.get</c>, which Replicate resolves.</summary>
    private sealed class ReplicateFileUrlConverter : JsonConverter<ReplicateFile>
    {
        public override ReplicateFile Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("ReplicateFile is written as its URL and is never read from input.");

        public override void Write(Utf8JsonWriter writer, ReplicateFile value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Urls?.Get?.AbsoluteUri
                ?? throw new NotSupportedException($"The uploaded file {value.Id} has no urls.get to pass as an input."));
    }

    /// <summary>
    /// File values (<see cref="FileInfo"/>, any <see cref="Stream"/>, <c>byte[]</c>, <see cref="ReadOnlyMemory{T}"/> and
    /// <see cref="Memory{T}"/> of bytes) become placeholders that the caller replaces with URLs once the files are uploaded
    /// or encoded. Without this, bytes would be sent as bare base64 and a stream as its properties.
    /// </summary>
    private sealed class FileValueConverterFactory : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) =>
            typeToConvert == typeof(FileInfo) || typeToConvert == typeof(byte[]) || typeToConvert == typeof(ReadOnlyMemory<byte>)
            || typeToConvert == typeof(Memory<byte>) || typeof(Stream).IsAssignableFrom(typeToConvert);

        [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The converter types are known and kept.")]
        [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The library is not marked AOT-compatible.")]
        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(FileValueConverter<>).MakeGenericType(typeToConvert))!;
    }

    private sealed class FileValueConverter<T> : JsonConverter<T>
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("File values are written as URLs and are never read.");

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
        {
            var files = CollectingFiles ?? throw new NotSupportedException(
                $"A {typeof(T).Name} is a file, and files are allowed only in a model's input (where they are uploaded or inlined as data: URIs).");
            writer.WriteStringValue(files.Add(value!));
        }
    }
}
