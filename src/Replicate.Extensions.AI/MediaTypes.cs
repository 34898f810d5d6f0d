namespace Replicate.Extensions.AI;

/// <summary>
/// Media types of image outputs. <see cref="FileOutput"/> does not expose the <c>Content-Type</c> a file was served
/// with, so the type is read from the bytes when they were downloaded, and from the URL's extension otherwise.
/// </summary>
internal static class MediaTypes
{
    public static string? Sniff(ReadOnlySpan<byte> bytes) => bytes switch
    {
        [0x89, (byte)'P', (byte)'N', (byte)'G', ..] => "image/png",
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [(byte)'R', (byte)'I', (byte)'F', (byte)'F', _, _, _, _, (byte)'W', (byte)'E', (byte)'B', (byte)'P', ..] => "image/webp",
        [(byte)'G', (byte)'I', (byte)'F', (byte)'8', ..] => "image/gif",
        _ => null,
    };

    public static string FromFileName(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".PNG" => "image/png",
        ".JPG" or ".JPEG" => "image/jpeg",
        ".WEBP" => "image/webp",
        ".GIF" => "image/gif",
        _ => "application/octet-stream",
    };
}
