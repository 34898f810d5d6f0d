using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>An event that triggers a webhook delivery (<c>webhook_events_filter</c>). Extensible.</summary>
[JsonConverter(typeof(ExtensibleStringConverter<WebhookEventType>))]
public readonly struct WebhookEventType : IEquatable<WebhookEventType>, IExtensibleString<WebhookEventType>
{
    private readonly string? _value;

    /// <summary>Initializes an event type from its wire value.</summary>
    /// <param name="value">The wire value, e.g. <c>completed</c>.</param>
    public WebhookEventType(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>Sent as the prediction starts.</summary>
    public static WebhookEventType Start { get; } = new("start");

    /// <summary>Sent on each new output (throttled to one request per 500 ms).</summary>
    public static WebhookEventType Output { get; } = new("output");

    /// <summary>Sent on each new log line (throttled to one request per 500 ms).</summary>
    public static WebhookEventType Logs { get; } = new("logs");

    /// <summary>Sent when the prediction reaches a terminal state; the only delivery Replicate retries.</summary>
    public static WebhookEventType Completed { get; } = new("completed");

    /// <summary>Gets the wire value, exactly as the server sent it.</summary>
    public string Value => _value ?? string.Empty;

    static WebhookEventType IExtensibleString<WebhookEventType>.FromValue(string value) => new(value);

    /// <summary>Converts a wire value to an event type.</summary>
    /// <param name="value">The wire value.</param>
    public static implicit operator WebhookEventType(string value) => new(value);

    /// <summary>Compares two event types by value (ordinal).</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    public static bool operator ==(WebhookEventType left, WebhookEventType right) => left.Equals(right);

    /// <summary>Compares two event types by value (ordinal).</summary>
    /// <param name="left">The first value.</param>
    /// <param name="right">The second value.</param>
    public static bool operator !=(WebhookEventType left, WebhookEventType right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(WebhookEventType other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is WebhookEventType other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
