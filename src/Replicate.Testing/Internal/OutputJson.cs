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
}
