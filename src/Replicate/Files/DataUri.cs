
namespace Replicate;

/// <summary>Reads RFC 2397 <c>data:</c> URIs, which models return for small files in sync mode.</summary>
internal static class DataUri
{
    public static bool TryGetMediaType(Uri uri, out string? mediaType)
    {
        mediaType = null;
        if (uri.Scheme != "data")
        {
            return false;
        }

        var text = uri.OriginalString.AsSpan(5);
        var comma = text.IndexOf(',');
        var header = comma < 0 ? text : text[..comma];
        var semicolon = header.IndexOf(';');
        var type = (semicolon < 0 ? header : header[..semicolon]).Trim();
        mediaType = type.IsEmpty ? "text/plain" : type.ToString();
        return true;
    }

    public static byte[] Decode(Uri uri)
    {
        var text = uri.OriginalString;
        var comma = text.IndexOf(',', StringComparison.Ordinal);
        if (!text.StartsWith("data:", StringComparison.OrdinalIgnoreCase) || comma < 0)
        {
            throw new ReplicateException($"The file output is not a valid data: URI (no ',' separates the header from the data): {Truncate(text)}");
        }

        var header = text.AsSpan(5, comma - 5);
        var data = text.AsSpan(comma + 1);
        if (header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            var bytes = new byte[(data.Length * 3 / 4) + 3];
            if (!Convert.TryFromBase64Chars(data, bytes, out var written))
            {
                throw new ReplicateException($"The file output's data: URI says base64 but its data is not valid base64: {Truncate(text)}");
            }

            return bytes.AsSpan(0, written).ToArray();
        }

        // Percent-decoding only: unlike form encoding, "+" is a literal plus in a data: URI.
        return System.Text.Encoding.UTF8.GetBytes(Uri.UnescapeDataString(data.ToString()));
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : string.Concat(value.AsSpan(0, 64), "...");
}
