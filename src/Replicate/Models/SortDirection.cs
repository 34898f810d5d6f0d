using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>The order of a sorted list. Extensible.</summary>
[JsonConverter(typeof(ExtensibleStringConverter<SortDirection>))]
public readonly record struct SortDirection : IExtensibleString<SortDirection>
{
    private readonly string? _value;

    /// <summary>Initializes a value from its wire form.</summary>
    /// <param name="value">The wire value, e.g. <c>asc</c>.</param>
    public SortDirection(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>Oldest first.</summary>
    public static SortDirection Ascending { get; } = new("asc");

    /// <summary>Newest first (the server's default).</summary>
    public static SortDirection Descending { get; } = new("desc");

    /// <summary>Gets the wire value, exactly as the server sent it.</summary>
    public string Value => _value ?? string.Empty;

    static SortDirection IExtensibleString<SortDirection>.FromValue(string value) => new(value);

    /// <summary>Converts a wire value.</summary>
    /// <param name="value">The wire value.</param>
    public static implicit operator SortDirection(string value) => new(value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
