namespace Replicate;

/// <summary>
/// Guesses the media type of a file input or upload. Models often decide how to read a file by its type, so a guess
/// beats <c>application/octet-stream</c>; the table covers what model inputs commonly are (images, audio, video,
/// documents, archives, weights), and anything else stays <c>application/octet-stream</c>.
/// </summary>
internal static class FileMediaTypes
{
    public const string Default = "application/octet-stream";

    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".webp"] = "image/webp",
        [".bmp"] = "image/bmp",
        [".tif"] = "image/tiff",
        [".tiff"] = "image/tiff",
        [".svg"] = "image/svg+xml",
        [".heic"] = "image/heic",
        [".avif"] = "image/avif",
        [".wav"] = "audio/wav",
        [".mp3"] = "audio/mpeg",
        [".ogg"] = "audio/ogg",
        [".flac"] = "audio/flac",
        [".m4a"] = "audio/mp4",
        [".mp4"] = "video/mp4",
        [".mov"] = "video/quicktime",
        [".webm"] = "video/webm",
        [".txt"] = "text/plain",
        [".md"] = "text/markdown",
        [".csv"] = "text/csv",
        [".json"] = "application/json",
        [".jsonl"] = "application/jsonl",
        [".pdf"] = "application/pdf",
        [".zip"] = "application/zip",
        [".tar"] = "application/x-tar",
        [".gz"] = "application/gzip",
        [".safetensors"] = "application/octet-stream",
    };

    /// <summary>The type for a file name's extension, else <see cref="Default"/>.</summary>
    public static string FromFileName(string? fileName) =>
        fileName is not null && ByExtension.TryGetValue(Path.GetExtension(fileName), out var type) ? type : Default;

    /// <summary>The type read from the first bytes (magic numbers) of common binary formats, else <see langword="null"/>.</summary>
    public static string? FromContent(ReadOnlySpan<byte> head) => head switch
    {
        [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => "image/png",
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => "image/gif",
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "image/webp",
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'A', (byte)'V', (byte)'E', ..] => "audio/wav",
        [(byte)'%', (byte)'P', (byte)'D', (byte)'F', ..] => "application/pdf",
        [(byte)'P', (byte)'K', 0x03, 0x04, ..] => "application/zip",
        [(byte)'I', (byte)'D', (byte)'3', ..] => "audio/mpeg",
        [(byte)'f', (byte)'L', (byte)'a', (byte)'C', ..] => "audio/flac",
        [(byte)'O', (byte)'g', (byte)'g', (byte)'S', ..] => "audio/ogg",
        [_, _, _, _, (byte)'f', (byte)'t', (byte)'y', (byte)'p', ..] => "video/mp4",
        _ => null,
    };

    /// <summary>The usual extension of a type from the table, for naming unnamed content (<c>file.png</c>).</summary>
    public static string ExtensionOf(string mediaType)
    {
        foreach (var (extension, type) in ByExtension)
        {
            if (type == mediaType && type != Default)
            {
                return extension;
            }
        }

        return string.Empty;
    }
}
