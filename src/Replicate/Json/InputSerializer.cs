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

    /// <summary>The serializer settings every input not written directly goes through, and the reference for <see cref="TryWriteDirect"/>.</summary>
    internal static readonly JsonSerializerOptions Options = CreateOptions();

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
            case JsonNode or JsonElement or string or System.Collections.IEnumerable when input is not (System.Collections.IDictionary or IDictionary<string, object?>):
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
                    if (!TryWriteDirect(writer, input, depth: 0))
                    {
                        scratch.Clear();
                        writer.Reset(scratch);
                        JsonSerializer.Serialize(writer, input, input.GetType(), Options);
                    }

                    break;
            }

            JsonWriterCache.Return(writer);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
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

    /// <summary>
    /// Writes the shapes most inputs are made of (anonymous types, dictionaries with string keys, strings, numbers,
    /// booleans, lists, JSON values) straight to <paramref name="writer"/>, as <see cref="Options"/> would. The serializer's
    /// reflection resolver costs a new process ~30 ms on its first input (a stream's first token: 141 ms against 109 ms
    /// for the same input as a <see cref="JsonObject"/>, medians of 9 cold processes), for bytes this writes directly.
    /// Returns <see langword="false"/> at the first value it does not know (a record, an enum, a file, a non-finite
    /// number), having written part of the input: the caller then starts over with the serializer, whose output and
    /// errors are the reference.
    /// </summary>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    internal static bool TryWriteDirect(Utf8JsonWriter writer, object? value, int depth)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                return true;
            case string text:
                writer.WriteStringValue(text);
                return true;
            case bool flag:
                writer.WriteBooleanValue(flag);
                return true;
            case int number:
                writer.WriteNumberValue(number);
                return true;
            case long number:
                writer.WriteNumberValue(number);
                return true;
            case double number when double.IsFinite(number):
                writer.WriteNumberValue(number);
                return true;
            case float number when float.IsFinite(number):
                writer.WriteNumberValue(number);
                return true;
            case decimal number:
                writer.WriteNumberValue(number);
                return true;
            case JsonElement element when element.ValueKind != JsonValueKind.Undefined:
                element.WriteTo(writer);
                return true;
            case JsonNode node:
                node.WriteTo(writer);
                return true;
        }

        // The serializer refuses nesting deeper than Options.MaxDepth: past it, leave the error to the serializer.
        if (depth >= Options.MaxDepth)
        {
            return false;
        }

        switch (value)
        {
            case IDictionary<string, object?> dictionary:
                writer.WriteStartObject();
                foreach (var (key, item) in dictionary)
                {
                    writer.WritePropertyName(key);
                    if (!TryWriteDirect(writer, item, depth + 1))
                    {
                        return false;
                    }
                }

                writer.WriteEndObject();
                return true;
            case System.Collections.IDictionary dictionary when IsStringKeyedDictionary(value.GetType()):
                writer.WriteStartObject();
                var entries = dictionary.GetEnumerator();
                while (entries.MoveNext())
                {
                    writer.WritePropertyName((string)entries.Key);
                    if (!TryWriteDirect(writer, entries.Value, depth + 1))
                    {
                        return false;
                    }
                }

                writer.WriteEndObject();
                return true;
            case System.Collections.IList list when IsPlainList(value.GetType()):
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    if (!TryWriteDirect(writer, item, depth + 1))
                    {
                        return false;
                    }
                }

                writer.WriteEndArray();
                return true;
        }

        if (AnonymousTypeProperties(value.GetType()) is not { } properties)
        {
            return false;
        }

        // As the serializer writes them: declaration order, snake_case names, null values left out.
        writer.WriteStartObject();
        foreach (var (property, name) in properties)
        {
            if (property.GetValue(value) is { } item)
            {
                writer.WritePropertyName(name);
                if (!TryWriteDirect(writer, item, depth + 1))
                {
                    return false;
                }
            }
        }

        writer.WriteEndObject();
        return true;
    }

    private static bool IsStringKeyedDictionary(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Dictionary<,>) && type.GenericTypeArguments[0] == typeof(string);

    // Arrays and List<T> of anything but bytes (byte[] is a file value; other lists the serializer may treat specially).
    private static bool IsPlainList(Type type) =>
        type.IsArray ? type.GetElementType() != typeof(byte) && type.GetArrayRank() == 1
        : type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, (System.Reflection.PropertyInfo Property, string Name)[]?> AnonymousTypes = new();

    /// <summary>An anonymous type's properties with their snake_case names; <see langword="null"/> for any other type.</summary>
    [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    private static (System.Reflection.PropertyInfo Property, string Name)[]? AnonymousTypeProperties(Type type) =>
        AnonymousTypes.GetOrAdd(type, static type =>
            type.IsDefined(typeof(System.Runtime.CompilerServices.CompilerGeneratedAttribute), inherit: false)
            && type.Name.Contains("AnonymousType", StringComparison.Ordinal)
                ? Array.ConvertAll(type.GetProperties(), p => (p, JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name)))
                : null);

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
