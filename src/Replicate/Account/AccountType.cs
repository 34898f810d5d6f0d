using System.Text.Json.Serialization;

namespace Replicate;

/// <summary>The kind of a Replicate account: <see cref="User"/> or <see cref="Organization"/>. Extensible.</summary>
[JsonConverter(typeof(ExtensibleStringConverter<AccountType>))]
public readonly record struct AccountType : IExtensibleString<AccountType>
{
    private readonly string? _value;

    /// <summary>Initializes a value from its wire form.</summary>
    /// <param name="value">The wire value, e.g. <c>user</c>.</param>
    public AccountType(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>A personal account.</summary>
    public static AccountType User { get; } = new("user");

    /// <summary>An organization's account.</summary>
    public static AccountType Organization { get; } = new("organization");

    /// <summary>Gets the wire value, exactly as the server sent it.</summary>
    public string Value => _value ?? string.Empty;

    static AccountType IExtensibleString<AccountType>.FromValue(string value) => new(value);

    /// <summary>Converts a wire value.</summary>
    /// <param name="value">The wire value.</param>
    public static implicit operator AccountType(string value) => new(value);

    /// <inheritdoc />
    public override string ToString() => Value;
}
