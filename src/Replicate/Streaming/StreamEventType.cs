using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>The type of a server-sent event on a prediction stream. Extensible: unknown names pass through untouched.</summary>
[JsonConverter(typeof(ExtensibleStringConverter<StreamEventType>))]
public readonly struct StreamEventType : IEquatable<StreamEventType>, IExtensibleString<StreamEventType>
{
    private readonly string? _value;

    /// <summary>Initializes an event type from its wire value.</summary>
    /// <param name="value">The wire value, e.g. <c>output</c>.</param>
    public StreamEventType(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>New output: a token of text, or a file URL for file streams.</summary>
    public static StreamEventType Output { get; } = new("output");

    /// <summary>New log text from the model.</summary>
    public static StreamEventType Logs { get; } = new("logs");

    /// <summary>The prediction failed; the data is JSON with a <c>detail</c>.</summary>
    public static StreamEventType Error { get; } = new("error");

    /// <summary>Always the last event; the data is JSON, <c>{}</c> or <c>{"reason":"canceled"}</c>.</summary>
    public static StreamEventType Done { get; } = new("done");

    /// <summary>
    /// The type of a received event: the known names map to the shared instances, so every later comparison (the SDK's
    /// and the caller's) is a reference check rather than a string comparison, once per event of a 200k-token stream.
    /// </summary>
    internal static StreamEventType FromWire(string value) => value switch
    {
        "output" => Output,
        "logs" => Logs,
        "error" => Error,
        "done" => Done,
        _ => new(value),
    };

    /// <summary>Gets the wire value, exactly as the server sent it.</summary>
    public string Value => _value ?? string.Empty;

    static StreamEventType IExtensibleString<StreamEventType>.FromValue(string value) => new(value);

    /// <summary>Converts a wire value to an event type.</summary>
    /// <param name="value">The wire value.</param>
    public static implicit operator StreamEventType(string value) => new(value);

    /// <summary>Compares two event types by value (ordinal).</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    public static bool operator ==(StreamEventType left, StreamEventType right) => left.Equals(right);

    /// <summary>Compares two event types by value (ordinal).</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    public static bool operator !=(StreamEventType left, StreamEventType right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(StreamEventType other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is StreamEventType other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
