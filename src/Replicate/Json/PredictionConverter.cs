using System.Text.Json;
using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>
/// Reads and writes <see cref="Prediction"/> by hand. The generated converter for a type with <c>required</c>/<c>init</c>
/// members buffers every property into constructor arguments first, which made listing predictions several times
/// slower than parsing the JSON; this one reads each field straight into place and keeps the public API immutable.
/// Unknown fields are skipped; a missing <c>id</c> or a field of the wrong type is a <see cref="JsonException"/>.
/// </summary>
internal sealed class PredictionConverter : JsonConverter<Prediction>
{
    public override Prediction Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Read(ref reader, source: default);

    /// <summary>
    /// Reads a buffered response body when it is a prediction or a page of them (and returns <see langword="false"/>
    /// for anything else), keeping inputs, outputs and URLs raw until read (<see cref="DeferredJson"/>).
    /// </summary>
    public static bool TryRead<T>(ReadOnlySpan<byte> utf8, out T? value)
    {
        object? result;
        if (typeof(T) == typeof(Prediction))
        {
            var reader = new Utf8JsonReader(utf8);
            result = reader.Read() && reader.TokenType != JsonTokenType.Null ? Read(ref reader, utf8) : null;
            EnsureEnd(ref reader);
        }
        else if (typeof(T) == typeof(Page<Prediction>))
        {
            result = ReadPage(utf8);
        }
        else
        {
            value = default;
            return false;
        }

        value = (T?)result;
        return true;
    }

    /// <summary>Parses the raw <c>urls</c> object a deferred <see cref="Prediction.Urls"/> kept.</summary>
    public static PredictionUrls ParseUrls(byte[] utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        reader.Read();

        // Only objects are deferred, so this is never null.
        return ReadUrls(ref reader) ?? new PredictionUrls();
    }

    /// <summary>Parses the raw <c>metrics</c> object a deferred <see cref="Prediction.Metrics"/> kept.</summary>
    public static PredictionMetrics ParseMetrics(byte[] utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        reader.Read();

        // Only objects are deferred, so this is never null.
        return ReadMetrics(ref reader) ?? new PredictionMetrics();
    }

    /// <summary><c>{"next": ..., "previous": ..., "results": [...]}</c>, read by hand so the items can defer their fields.</summary>
    private static Page<Prediction>? ReadPage(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType == JsonTokenType.Null)
        {
            EnsureEnd(ref reader);
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected a page object, got {reader.TokenType}.");
        }

        string? next = null, previous = null;
        List<Prediction>? results = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader;
            reader.Read();
            if (name.ValueTextEquals("results"u8))
            {
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    results = [];
                    var recent = new RecentStrings();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        results.Add(Read(ref reader, utf8, recent));
                    }
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    throw new JsonException($"Expected an array for 'results', got {reader.TokenType}.");
                }
            }
            else if (name.ValueTextEquals("next"u8))
            {
                next = ReadString(ref reader, "next");
            }
            else if (name.ValueTextEquals("previous"u8))
            {
                previous = ReadString(ref reader, "previous");
            }
            else
            {
                reader.Skip();
            }
        }

        EnsureEnd(ref reader);
        return new Page<Prediction> { Results = results ?? [], Next = next, Previous = previous };
    }

    /// <summary>Nothing but whitespace may follow the value (the serializer's own rule); the reader throws on anything else.</summary>
    private static void EnsureEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new JsonException($"Unexpected {reader.TokenType} after the end of the JSON value.");
        }
    }

    /// <summary>
    /// Reads one prediction. With <paramref name="source"/> (the span the reader reads from its first byte), the input,
    /// output and URLs are kept as raw copies and parsed on first read; without it they are parsed now.
    /// </summary>
    /// <param name="reader">The reader, on the prediction's start.</param>
    /// <param name="source">The whole body the reader reads, or empty.</param>
    /// <param name="recent">The model and version of the previous item on the page, which the next one usually shares.</param>
    private static Prediction Read(ref Utf8JsonReader reader, ReadOnlySpan<byte> source, RecentStrings? recent = null)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected a prediction object, got {reader.TokenType}.");
        }

        string? id = null, model = null, version = null, logs = null, error = null, deployment = null, createdBy = null;
        PredictionStatus status = default;
        object? input = null, output = null, metrics = null, urls = null;
        DateTimeOffset? createdAt = null, startedAt = null, completedAt = null, deadline = null;
        var dataRemoved = false;
        Uri? webhook = null;
        List<WebhookEventType>? filter = null;

        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader;
            reader.Read();
            switch (Identify(name))
            {
                case Field.Id:
                    id = ReadString(ref reader, "id");
                    break;
                case Field.Status:
                    status = ReadStatus(ref reader);
                    break;
                case Field.Output:
                    output = ReadElement(ref reader, source);
                    break;
                case Field.Input:
                    input = ReadElement(ref reader, source);
                    break;
                case Field.Model:
                    model = recent is null ? ReadString(ref reader, "model") : recent.Model.Read(ref reader, "model");
                    break;
                case Field.Version:
                    version = recent is null ? ReadString(ref reader, "version") : recent.Version.Read(ref reader, "version");
                    break;
                case Field.Logs:
                    logs = ReadString(ref reader, "logs");
                    break;
                case Field.Error:
                    error = ReadLenientString(ref reader);
                    break;
                case Field.CreatedAt:
                    createdAt = ReadTimestamp(ref reader, "created_at");
                    break;
                case Field.StartedAt:
                    startedAt = ReadTimestamp(ref reader, "started_at");
                    break;
                case Field.CompletedAt:
                    completedAt = ReadTimestamp(ref reader, "completed_at");
                    break;
                case Field.Deadline:
                    deadline = ReadTimestamp(ref reader, "deadline");
                    break;
                case Field.DataRemoved:
                    dataRemoved = reader.TokenType switch
                    {
                        JsonTokenType.True => true,
                        JsonTokenType.False or JsonTokenType.Null => false,
                        _ => throw new JsonException($"Expected a boolean for 'data_removed', got {reader.TokenType}."),
                    };
                    break;
                case Field.Urls:
                    urls = ReadOrDeferUrls(ref reader, source);
                    break;
                case Field.Metrics:
                    metrics = ReadOrDeferMetrics(ref reader, source);
                    break;
                case Field.Deployment:
                    deployment = ReadString(ref reader, "deployment");
                    break;
                case Field.Source:
                    createdBy = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("api"u8) ? "api" : ReadString(ref reader, "source");
                    break;
                case Field.Webhook:
                    webhook = ReadString(ref reader, "webhook") is { } text && Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : null;
                    break;
                case Field.WebhookEventsFilter:
                    filter = ReadFilter(ref reader);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new JsonException("The prediction object ended early.");
        }

        return new Prediction
        {
            Id = id ?? throw new JsonException("The prediction has no 'id'."),
            Model = model,
            Version = version,
            Status = status,
            RawInput = input,
            RawOutput = output,
            Logs = logs,
            Error = error,
            CreatedAt = createdAt,
            StartedAt = startedAt,
            CompletedAt = completedAt,
            Deadline = deadline,
            DataRemoved = dataRemoved,
            Deployment = deployment,
            Source = createdBy,
            RawMetrics = metrics,
            RawUrls = urls,
            Webhook = webhook,
            WebhookEventsFilter = filter,
        };
    }

    public override void Write(Utf8JsonWriter writer, Prediction value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteString("id"u8, value.Id);
        WriteIfSet(writer, "model"u8, value.Model);
        WriteIfSet(writer, "version"u8, value.Version);
        if (value.Input is { } input)
        {
            writer.WritePropertyName("input"u8);
            input.WriteTo(writer);
        }

        writer.WritePropertyName("output"u8);
        if (value.Output is { } output)
        {
            output.WriteTo(writer);
        }
        else
        {
            writer.WriteNullValue();
        }

        WriteIfSet(writer, "logs"u8, value.Logs);
        writer.WritePropertyName("error"u8);
        if (value.Error is { } error)
        {
            writer.WriteStringValue(error);
        }
        else
        {
            writer.WriteNullValue();
        }

        writer.WriteString("status"u8, value.Status.Value);
        WriteIfSet(writer, "created_at"u8, value.CreatedAt);
        WriteIfSet(writer, "started_at"u8, value.StartedAt);
        WriteIfSet(writer, "completed_at"u8, value.CompletedAt);
        WriteIfSet(writer, "deadline"u8, value.Deadline);
        writer.WriteBoolean("data_removed"u8, value.DataRemoved);
        WriteIfSet(writer, "deployment"u8, value.Deployment);
        WriteIfSet(writer, "source"u8, value.Source);
        if (value.Metrics is { } metrics)
        {
            writer.WritePropertyName("metrics"u8);
            JsonSerializer.Serialize(writer, metrics, ReplicateJsonContext.Default.PredictionMetrics);
        }

        if (value.Urls is { } urls)
        {
            writer.WriteStartObject("urls"u8);
            WriteIfSet(writer, "get"u8, urls.GetText);
            WriteIfSet(writer, "cancel"u8, urls.CancelText);
            WriteIfSet(writer, "stream"u8, urls.StreamText);
            WriteIfSet(writer, "web"u8, urls.WebText);
            writer.WriteEndObject();
        }

        WriteIfSet(writer, "webhook"u8, value.Webhook?.OriginalString);
        if (value.WebhookEventsFilter is { } filter)
        {
            writer.WriteStartArray("webhook_events_filter"u8);
            foreach (var eventType in filter)
            {
                writer.WriteStringValue(eventType.Value);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// A page's predictions mostly share their model and version: one string each, reused while the next item's bytes
    /// match, instead of two strings per item.
    /// </summary>
    private sealed class RecentStrings
    {
        public Recent Model { get; } = new();

        public Recent Version { get; } = new();

        public sealed class Recent
        {
            private byte[]? _utf8;
            private string? _value;

            public string? Read(ref Utf8JsonReader reader, string field)
            {
                if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.HasValueSequence)
                {
                    return ReadString(ref reader, field);
                }

                var utf8 = reader.ValueSpan;
                if (_utf8 is null || !utf8.SequenceEqual(_utf8))
                {
                    _utf8 = utf8.ToArray();
                    _value = reader.GetString();
                }

                return _value;
            }
        }
    }

    /// <summary>The prediction fields the reader knows.</summary>
    private enum Field
    {
        Unknown,
        Id,
        Status,
        Output,
        Input,
        Model,
        Version,
        Logs,
        Error,
        CreatedAt,
        StartedAt,
        CompletedAt,
        Deadline,
        DataRemoved,
        Urls,
        Metrics,
        Deployment,
        Source,
        Webhook,
        WebhookEventsFilter,
    }

    /// <summary>
    /// Which field a property name is: by length first, then one comparison, instead of a chain of up to twenty
    /// comparisons per property (a fifth of the cost of reading a listed prediction).
    /// </summary>
    private static Field Identify(in Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            // Escaped (\u0069d) or split names are legal but never sent by the API: compare them unescaped.
            return Identify(System.Text.Encoding.UTF8.GetBytes(reader.GetString()!));
        }

        return Identify(reader.ValueSpan);
    }

    private static Field Identify(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 => name.SequenceEqual("id"u8) ? Field.Id : Field.Unknown,
        4 => name.SequenceEqual("logs"u8) ? Field.Logs : name.SequenceEqual("urls"u8) ? Field.Urls : Field.Unknown,
        5 => name.SequenceEqual("input"u8) ? Field.Input : name.SequenceEqual("model"u8) ? Field.Model : name.SequenceEqual("error"u8) ? Field.Error : Field.Unknown,
        6 => name.SequenceEqual("status"u8) ? Field.Status : name.SequenceEqual("output"u8) ? Field.Output : name.SequenceEqual("source"u8) ? Field.Source : Field.Unknown,
        7 => name.SequenceEqual("version"u8) ? Field.Version : name.SequenceEqual("metrics"u8) ? Field.Metrics : name.SequenceEqual("webhook"u8) ? Field.Webhook : Field.Unknown,
        8 => name.SequenceEqual("deadline"u8) ? Field.Deadline : Field.Unknown,
        10 => name.SequenceEqual("created_at"u8) ? Field.CreatedAt : name.SequenceEqual("started_at"u8) ? Field.StartedAt : name.SequenceEqual("deployment"u8) ? Field.Deployment : Field.Unknown,
        12 => name.SequenceEqual("completed_at"u8) ? Field.CompletedAt : name.SequenceEqual("data_removed"u8) ? Field.DataRemoved : Field.Unknown,
        21 => name.SequenceEqual("webhook_events_filter"u8) ? Field.WebhookEventsFilter : Field.Unknown,
        _ => Field.Unknown,
    };

    private static string? ReadString(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"Expected a string for '{field}', got {reader.TokenType}."),
    };

    /// <summary>Known statuses reuse their instances instead of allocating a string per prediction.</summary>
    private static PredictionStatus ReadStatus(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            return reader.TokenType == JsonTokenType.Null ? default : throw new JsonException($"Expected a string for 'status', got {reader.TokenType}.");
        }

        return reader.ValueTextEquals("succeeded"u8) ? PredictionStatus.Succeeded
            : reader.ValueTextEquals("processing"u8) ? PredictionStatus.Processing
            : reader.ValueTextEquals("starting"u8) ? PredictionStatus.Starting
            : reader.ValueTextEquals("failed"u8) ? PredictionStatus.Failed
            : reader.ValueTextEquals("canceled"u8) ? PredictionStatus.Canceled
            : reader.ValueTextEquals("aborted"u8) ? PredictionStatus.Aborted
            : new PredictionStatus(reader.GetString()!);
    }

    /// <summary>Reads the metrics the SDK names directly; anything else goes to <see cref="PredictionMetrics.AdditionalProperties"/>.</summary>
    private static PredictionMetrics? ReadMetrics(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected an object for 'metrics', got {reader.TokenType}.");
        }

        double? predictTime = null, totalTime = null, timeToFirstToken = null, tokensPerSecond = null;
        long? inputTokens = null, outputTokens = null;
        Dictionary<string, JsonElement>? others = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader;
            reader.Read();
            if (name.ValueTextEquals("predict_time"u8))
            {
                predictTime = ReadNumber(ref reader, "metrics.predict_time");
            }
            else if (name.ValueTextEquals("total_time"u8))
            {
                totalTime = ReadNumber(ref reader, "metrics.total_time");
            }
            else if (name.ValueTextEquals("input_token_count"u8))
            {
                inputTokens = (long?)ReadNumber(ref reader, "metrics.input_token_count");
            }
            else if (name.ValueTextEquals("output_token_count"u8))
            {
                outputTokens = (long?)ReadNumber(ref reader, "metrics.output_token_count");
            }
            else if (name.ValueTextEquals("time_to_first_token"u8))
            {
                timeToFirstToken = ReadNumber(ref reader, "metrics.time_to_first_token");
            }
            else if (name.ValueTextEquals("tokens_per_second"u8))
            {
                tokensPerSecond = ReadNumber(ref reader, "metrics.tokens_per_second");
            }
            else
            {
                (others ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal))[name.GetString()!] = JsonElement.ParseValue(ref reader);
            }
        }

        return new PredictionMetrics
        {
            PredictTime = Seconds(predictTime),
            TotalTime = Seconds(totalTime),
            TimeToFirstToken = Seconds(timeToFirstToken),
            TokensPerSecond = tokensPerSecond,
            InputTokenCount = inputTokens,
            OutputTokenCount = outputTokens,
            AdditionalProperties = others,
        };
    }

    private static double? ReadNumber(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.Number => reader.TryGetDouble(out var value) && double.IsFinite(value) ? value : throw new JsonException($"'{field}' is not a finite number."),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"Expected a number for '{field}', got {reader.TokenType}."),
    };

    /// <summary>Huge or negative durations from a buggy server clamp instead of overflowing.</summary>
    private static TimeSpan? Seconds(double? seconds) => seconds switch
    {
        null => null,
        >= 922_337_203_685 => TimeSpan.MaxValue,
        <= 0 => TimeSpan.Zero,
        _ => TimeSpan.FromSeconds(seconds.Value),
    };

    /// <summary>Go types <c>error</c> as any value: strings come through as they are, anything else as raw JSON.</summary>
    private static string? ReadLenientString(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.Null:
                return null;
            default:
                using (var document = JsonDocument.ParseValue(ref reader))
                {
                    return document.RootElement.GetRawText();
                }
        }
    }

    /// <summary>Any JSON value: a raw copy with a <paramref name="source"/>, else a boxed <see cref="JsonElement"/>; JSON null is null.</summary>
    private static object? ReadElement(ref Utf8JsonReader reader, ReadOnlySpan<byte> source) =>
        reader.TokenType == JsonTokenType.Null ? null
        : source.IsEmpty ? JsonElement.ParseValue(ref reader)
        : DeferredJson.Copy(ref reader, source);

    /// <summary>Reads an object now, in full.</summary>
    private delegate object? ObjectReader(ref Utf8JsonReader reader);

    /// <summary>Whether one value of an object may stay raw (the full reader would accept it as it is).</summary>
    private delegate bool ValueCheck(ref Utf8JsonReader value);

    /// <summary>
    /// Keeps an object (<c>metrics</c>, <c>urls</c>) raw when every value passes <paramref name="deferrable"/>, so
    /// whatever the full reader would refuse still fails now rather than on first read; anything unusual (a wrong type,
    /// a nested value) goes back to the start and is read in full.
    /// </summary>
    private static object? ReadOrDefer(ref Utf8JsonReader reader, ReadOnlySpan<byte> source, ValueCheck deferrable, ObjectReader read)
    {
        if (source.IsEmpty || reader.TokenType != JsonTokenType.StartObject)
        {
            return read(ref reader);
        }

        // One pass that checks and finds the end.
        var start = reader;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            reader.Read();
            if (!deferrable(ref reader))
            {
                reader = start;
                return read(ref reader);
            }
        }

        return DeferredJson.Copy(start, reader, source);
    }

    /// <summary>Metrics stay raw when every value is a finite number or null.</summary>
    private static object? ReadOrDeferMetrics(ref Utf8JsonReader reader, ReadOnlySpan<byte> source) => ReadOrDefer(
        ref reader,
        source,
        static (ref Utf8JsonReader value) => value.TokenType == JsonTokenType.Null
            || (value.TokenType == JsonTokenType.Number && value.TryGetDouble(out var number) && double.IsFinite(number)),
        static (ref Utf8JsonReader full) => ReadMetrics(ref full));

    /// <summary>URLs stay raw when every value is a string or null.</summary>
    private static object? ReadOrDeferUrls(ref Utf8JsonReader reader, ReadOnlySpan<byte> source) => ReadOrDefer(
        ref reader,
        source,
        static (ref Utf8JsonReader value) => value.TokenType is JsonTokenType.String or JsonTokenType.Null,
        static (ref Utf8JsonReader full) => ReadUrls(ref full));

    private static DateTimeOffset? ReadTimestamp(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.String
            && ((!reader.ValueIsEscaped && !reader.HasValueSequence && Rfc3339.TryParseUtc(reader.ValueSpan, out var value)) || reader.TryGetDateTimeOffset(out value)))
        {
            return value;
        }

        throw new JsonException($"Expected an RFC 3339 timestamp for '{field}'.");
    }

    private static PredictionUrls? ReadUrls(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException($"Expected an object for 'urls', got {reader.TokenType}.");
        }

        string? get = null, cancel = null, stream = null, web = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var name = reader;
            reader.Read();
            if (name.ValueTextEquals("get"u8))
            {
                get = ReadString(ref reader, "urls.get");
            }
            else if (name.ValueTextEquals("cancel"u8))
            {
                cancel = ReadString(ref reader, "urls.cancel");
            }
            else if (name.ValueTextEquals("stream"u8))
            {
                stream = ReadString(ref reader, "urls.stream");
            }
            else if (name.ValueTextEquals("web"u8))
            {
                web = ReadString(ref reader, "urls.web");
            }
            else
            {
                reader.Skip();
            }
        }

        return new PredictionUrls(get, cancel, stream, web);
    }

    private static List<WebhookEventType>? ReadFilter(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"Expected an array for 'webhook_events_filter', got {reader.TokenType}.");
        }

        var filter = new List<WebhookEventType>(4);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            filter.Add(new WebhookEventType(ReadString(ref reader, "webhook_events_filter") ?? string.Empty));
        }

        return filter;
    }

    private static void WriteIfSet(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter writer, ReadOnlySpan<byte> name, DateTimeOffset? value)
    {
        if (value is { } timestamp)
        {
            writer.WriteString(name, timestamp);
        }
    }
}
