using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>
/// The status of a prediction or training. Extensible: a status the server adds later parses and round-trips,
/// and counts as terminal, so waiting on it ends instead of polling forever.
/// </summary>
[JsonConverter(typeof(ExtensibleStringConverter<PredictionStatus>))]
public readonly struct PredictionStatus : IEquatable<PredictionStatus>, IExtensibleString<PredictionStatus>
{
    private readonly string? _value;

    /// <summary>Initializes a status from its wire value.</summary>
    /// <param name="value">The wire value, e.g. <c>succeeded</c>.</param>
    public PredictionStatus(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>Queued, or the model is booting (a long <c>starting</c> usually means a cold start).</summary>
    public static PredictionStatus Starting { get; } = new("starting");

    /// <summary>The model is running.</summary>
    public static PredictionStatus Processing { get; } = new("processing");

    /// <summary>Finished with output.</summary>
    public static PredictionStatus Succeeded { get; } = new("succeeded");

    /// <summary>Finished with an error (see <see cref="Prediction.Error"/>).</summary>
    public static PredictionStatus Failed { get; } = new("failed");

    /// <summary>Canceled by a user, or its deadline passed while it was running.</summary>
    public static PredictionStatus Canceled { get; } = new("canceled");

    /// <summary>Ended before it ever started, for example because its deadline passed while it was queued.</summary>
    public static PredictionStatus Aborted { get; } = new("aborted");

    /// <summary>Gets the wire value, exactly as the server sent it.</summary>
    public string Value => _value ?? string.Empty;

    /// <summary>
    /// Gets whether the prediction has stopped changing: anything but <c>starting</c> and <c>processing</c>,
    /// including <c>aborted</c> and statuses this version does not know.
    /// </summary>
    public bool IsTerminal => !(this == Starting || this == Processing || _value is null);

    /// <summary>Gets whether this is <see cref="Succeeded"/>.</summary>
    public bool IsSucceeded => this == Succeeded;

    static PredictionStatus IExtensibleString<PredictionStatus>.FromValue(string value) => new(value);

    /// <summary>Converts a wire value to a status.</summary>
    /// <param name="value">The wire value.</param>
    public static implicit operator PredictionStatus(string value) => new(value);

    /// <summary>Compares two statuses by value (ordinal).</summary>
    /// <param name="left">The first status.</param>
    /// <param name="right">The second status.</param>
    public static bool operator ==(PredictionStatus left, PredictionStatus right) => left.Equals(right);

    /// <summary>Compares two statuses by value (ordinal).</summary>
    /// <param name="left">The first status.</param>
    /// <param name="right">The second status.</param>
    public static bool operator !=(PredictionStatus left, PredictionStatus right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(PredictionStatus other) => string.Equals(_value, other._value, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is PredictionStatus other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _value is null ? 0 : StringComparer.Ordinal.GetHashCode(_value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
