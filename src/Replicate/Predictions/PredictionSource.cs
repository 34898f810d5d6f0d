using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>
/// How the predictions <c>GET /predictions?source=...</c> lists were created. Extensible: values the server accepts
/// later can be passed as strings (<c>new PredictionSource("api")</c>).
/// </summary>
[JsonConverter(typeof(ExtensibleStringConverter<PredictionSource>))]
public readonly record struct PredictionSource : IExtensibleString<PredictionSource>
{
    private readonly string? _value;

    /// <summary>Initializes a value from its wire form.</summary>
    /// <param name="value">The wire value, e.g. <c>web</c>.</param>
    public PredictionSource(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>Predictions created on the replicate.com website; the server lists only those of the last 14 days.</summary>
    public static PredictionSource Web { get; } = new("web");

    /// <summary>Gets the wire value, exactly as the server sent it.</summary>
    public string Value => _value ?? string.Empty;

    static PredictionSource IExtensibleString<PredictionSource>.FromValue(string value) => new(value);

    /// <summary>Converts a wire value.</summary>
    /// <param name="value">The wire value.</param>
    public static implicit operator PredictionSource(string value) => new(value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
