using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Replicate.Testing.Internal;

/// <summary>Small formatting rules of Replicate's wire format, kept in one place so every endpoint agrees.</summary>
internal static class WireFormat
{
    private const string IdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    private const string HexDigits = "0123456789abcdef";

    /// <summary>
    /// Relaxed escaping keeps non-ASCII text (such as the tqdm bar characters in logs) readable on the wire,
    /// as Replicate sends it; quotes and control characters are still escaped.
    /// </summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    /// <summary>System.Text.Json web defaults (camelCase, case-insensitive), used for handler return values.</summary>
    public static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>A 26-character lowercase alphanumeric id, like Replicate's prediction ids.</summary>
    public static string NewId() => RandomNumberGenerator.GetString(IdAlphabet, 26);

    /// <summary>A short random path segment for file URLs, so URLs cannot be guessed across tests.</summary>
    public static string NewFileKey() => RandomNumberGenerator.GetString(IdAlphabet, 20);

    /// <summary>Lowercase hex of SHA-256 of <paramref name="text"/>: a stable 64-hex version id for a model name.</summary>
    public static string Sha256Hex(string text)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return ToHexLower(hash);
    }

    public static string ToHexLower(ReadOnlySpan<byte> bytes)
    {
        // Convert.ToHexStringLower is .NET 9+, and lowercasing ToHexString trips CA1308; a loop is simplest.
        var chars = new char[bytes.Length * 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[2 * i] = HexDigits[bytes[i] >> 4];
            chars[(2 * i) + 1] = HexDigits[bytes[i] & 0xF];
        }

        return new string(chars);
    }

    public static bool IsVersionId(string value)
    {
        if (value.Length != 64)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Writes an RFC 3339 UTC timestamp with microseconds and a <c>Z</c> suffix (Replicate sends 3 to 9
    /// fractional digits; 6 is the common case).
    /// </summary>
    public static void WriteTimestamp(Utf8JsonWriter writer, string name, DateTimeOffset value)
    {
        Span<char> buffer = stackalloc char[32];
        value.UtcDateTime.TryFormat(buffer, out var written, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        writer.WriteString(name, buffer[..written]);
    }

    public static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
