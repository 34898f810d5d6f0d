using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>What <c>GET /models</c> sorts by. Extensible: values the server adds later can be passed as strings.</summary>
[JsonConverter(typeof(ExtensibleStringConverter<ModelSortBy>))]
public readonly record struct ModelSortBy : IExtensibleString<ModelSortBy>
{
    private readonly string? _value;

    /// <summary>Initializes a value from its wire form.</summary>
    /// <param name="value">The wire value, e.g. <c>model_created_at</c>.</param>
    public ModelSortBy(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>When the model was created.</summary>
    public static ModelSortBy ModelCreatedAt { get; } = new("model_created_at");

    /// <summary>When the model's latest version was created (the server's default).</summary>
    public static ModelSortBy LatestVersionCreatedAt { get; } = new("latest_version_created_at");

    /// <summary>Gets the wire value, exactly as the server sent it.</summary>
    public string Value => _value ?? string.Empty;

    static ModelSortBy IExtensibleString<ModelSortBy>.FromValue(string value) => new(value);

    /// <summary>Converts a wire value.</summary>
    /// <param name="value">The wire value.</param>
    public static implicit operator ModelSortBy(string value) => new(value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
