using System.Text.Json;
using System.Text.Json.Nodes;

namespace Replicate.Testing.Internal;

/// <summary>Turns handler values (outputs and pieces) into immutable UTF-8 JSON, serialized once.</summary>
internal static class OutputJson
{
    private static readonly byte[] Null = "null"u8.ToArray();

    public static byte[] Serialize(object? value) => value switch
    {
        null => Null,
        string s => JsonSerializer.SerializeToUtf8Bytes(s, WireFormat.SerializerOptions),
        Uri u => JsonSerializer.SerializeToUtf8Bytes(u.IsAbsoluteUri ? u.AbsoluteUri : u.OriginalString, WireFormat.SerializerOptions),
        JsonElement e => JsonSerializer.SerializeToUtf8Bytes(e, WireFormat.SerializerOptions),
        JsonNode n => JsonSerializer.SerializeToUtf8Bytes(n, WireFormat.SerializerOptions),
        _ => JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), WireFormat.SerializerOptions),
    };

    /// <summary>
    /// The SSE data for an output piece: text (and URLs) as they are, anything else as its JSON. Strings skip
    /// a parse, since token streams are the hot path.
    /// </summary>
    public static string EventData(object? value, byte[] json)
    {
        if (value is string text)
        {
            return text;
        }

        if (json.Length > 0 && json[0] == (byte)'"')
        {
            return JsonSerializer.Deserialize<string>(json, WireFormat.SerializerOptions)!;
        }

        return System.Text.Encoding.UTF8.GetString(json);
    }
}
