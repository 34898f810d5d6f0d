using System.Text.Json;

namespace Replicate;

/// <summary>
/// One server-sent event of a prediction stream. <see cref="ToString"/> is the data of <c>output</c> events and empty
/// for every other type, so <c>Console.Write(e)</c> prints the generated text and nothing else.
/// </summary>
public readonly struct StreamEvent : IEquatable<StreamEvent>
{
    private readonly ReplicateTransport? _transport;

    /// <summary>Initializes an event (for tests and mocks; the SDK creates them while streaming).</summary>
    /// <param name="type">The event type.</param>
    /// <param name="data">The data; several <c>data:</c> lines are joined with <c>\n</c>.</param>
    /// <param name="id">The event id, if the server sent one.</param>
    public StreamEvent(StreamEventType type, string data, string? id = null)
        : this(type, data, id, null)
    {
    }

    internal StreamEvent(StreamEventType type, string data, string? id, ReplicateTransport? transport)
    {
        Type = type;
        Data = data ?? string.Empty;
        Id = id;
        _transport = transport;
    }

    /// <summary>Gets the event type.</summary>
    public StreamEventType Type { get; }

    /// <summary>Gets the event data: text for <c>output</c> and <c>logs</c>, JSON for <c>error</c> and <c>done</c>.</summary>
    public string Data { get; }

    /// <summary>Gets the event id (<c>&lt;unix-seconds&gt;:&lt;sequence&gt;</c>), used to resume after a dropped connection.</summary>
    public string? Id { get; }

    /// <summary>
    /// Gets the file when this is an <c>output</c> event whose data is a single <c>https:</c>/<c>http:</c> URL or
    /// <c>data:</c> URI (file streams), otherwise <see langword="null"/>. <see cref="Data"/> keeps the text either way.
    /// </summary>
    public FileOutput? File =>
        Type == StreamEventType.Output && _transport is not null && FileOutput.TryCreate(Data, _transport, out var file) && !Data.AsSpan().ContainsAny(" \n\t")
            ? file
            : null;

    /// <summary>Gets whether this is the final <c>done</c> event of a prediction that was canceled.</summary>
    public bool IsCanceled => Type == StreamEventType.Done && DoneReason() == "canceled";

    /// <summary>Returns the data of an <c>output</c> event, and an empty string for every other type.</summary>
    /// <returns>The output text.</returns>
    public override string ToString() => Type == StreamEventType.Output ? Data : string.Empty;

    /// <inheritdoc />
    public bool Equals(StreamEvent other) => Type == other.Type && Data == other.Data && Id == other.Id;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is StreamEvent other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, Data, Id);

    /// <summary>Compares two events by type, data and id.</summary>
    /// <param name="left">The first event.</param>
    /// <param name="right">The second event.</param>
    public static bool operator ==(StreamEvent left, StreamEvent right) => left.Equals(right);

    /// <summary>Compares two events by type, data and id.</summary>
    /// <param name="left">The first event.</param>
    /// <param name="right">The second event.</param>
    public static bool operator !=(StreamEvent left, StreamEvent right) => !left.Equals(right);

    /// <summary>Reads <c>reason</c> from the JSON of a <c>done</c> or <c>error</c> event (<c>detail</c> for errors).</summary>
    internal string? DoneReason() => ReadProperty(Type == StreamEventType.Error ? "detail" : "reason");

    private string? ReadProperty(string name)
    {
        try
        {
            using var document = JsonDocument.Parse(Data);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty(name, out var value)
                && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
