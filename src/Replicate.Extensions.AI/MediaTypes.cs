namespace Replicate.Extensions.AI;

/// <summary>
/// Media types of image and audio outputs. <see cref="FileOutput.ContentType"/> is known only once a file has been
/// fetched and only when its server sent one, so the type is read from the bytes when they were downloaded, and from
/// the URL's extension otherwise.
/// </summary>
internal static class MediaTypes
{
    public static string? Sniff(ReadOnlySpan<byte> bytes) => bytes switch
    {
        [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => "image/png",
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "image/webp",
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => "image/gif",
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'A', (byte)'V', (byte)'E', ..] => "audio/wav",
        [(byte)'I', (byte)'D', (byte)'3', ..] => "audio/mpeg",
        [0xFF, var frame, ..] when (frame & 0xE0) == 0xE0 => "audio/mpeg",
        [(byte)'f', (byte)'L', (byte)'a', (byte)'C', ..] => "audio/flac",
        [(byte)'O', (byte)'g', (byte)'g', (byte)'S', ..] => "audio/ogg",
        _ => null,
    };

    public static string FromFileName(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".PNG" => "image/png",
        ".JPG" or ".JPEG" => "image/jpeg",
        ".WEBP" => "image/webp",
        ".GIF" => "image/gif",
        ".WAV" => "audio/wav",
        ".MP3" => "audio/mpeg",
        ".FLAC" => "audio/flac",
        ".OGG" or ".OPUS" => "audio/ogg",
        _ => "application/octet-stream",
    };
}
