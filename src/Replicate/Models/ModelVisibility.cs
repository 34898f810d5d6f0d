using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>Who can see and run a model: <see cref="Public"/> or <see cref="Private"/>. Extensible: other values round-trip.</summary>
[JsonConverter(typeof(ExtensibleStringConverter<ModelVisibility>))]
public readonly record struct ModelVisibility : IExtensibleString<ModelVisibility>
{
    private readonly string? _value;

    /// <summary>Initializes a visibility from its wire value.</summary>
    /// <param name="value">The wire value, e.g. <c>public</c>.</param>
    public ModelVisibility(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>Anyone can see and run the model.</summary>
    public static ModelVisibility Public { get; } = new("public");

    /// <summary>Only the owner (and its organization) can see and run the model.</summary>
    public static ModelVisibility Private { get; } = new("private");

    /// <summary>Gets the wire value, exactly as the server sent it.</summary>
    public string Value => _value ?? string.Empty;

    static ModelVisibility IExtensibleString<ModelVisibility>.FromValue(string value) => new(value);

    /// <summary>Converts a wire value to a visibility.</summary>
    /// <param name="value">The wire value.</param>
    public static implicit operator ModelVisibility(string value) => new(value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
