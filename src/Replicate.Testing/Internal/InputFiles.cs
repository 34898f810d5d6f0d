using System.Text;

namespace Replicate.Testing.Internal;

/// <summary>
/// Opens a file a prediction received as input: what Replicate's servers do with a Files API URL before the model
/// runs. Emulator file URLs (<c>urls.get</c> of an upload, a signed download URL, an output file) and <c>data:</c> URIs
/// are read locally; anything else is refused, since an emulator must not reach out to the internet.
/// </summary>
internal static class InputFiles
{
    public static Stream Open(EmulatorCore core, string url)
    {
        ArgumentException.ThrowIfNullOrEmpty(url);
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return new MemoryStream(DecodeDataUri(url), writable: false);
        }

        if (url.StartsWith(core.Origin + "/", StringComparison.Ordinal) && Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            var path = Uri.UnescapeDataString(uri.AbsolutePath);
            var segments = path.TrimEnd('/').Split('/');
            var id = segments switch
            {
                ["", "v1", "files", var file] => file,
                ["", "v1", "files", var file, "download"] => file,
                _ => null,
            };
            if (id is not null && core.UploadedFiles.Find(id) is { } upload)
            {
                return upload.OpenRead();
            }

            if (path.StartsWith(FileStore.PathPrefix, StringComparison.Ordinal) && core.Files.Find(path) is { } output)
            {
                return output.Open();
            }
        }

        throw new ArgumentException("'" + url + "' is not a data: URI or a file this emulator serves (an upload's urls.get or an output file).", nameof(url));
    }

    private static byte[] DecodeDataUri(string url)
    {
        var comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
        {
            throw new ArgumentException("The data: URI has no ',' before its data.", nameof(url));
        }

        var data = url.AsSpan(comma + 1);
        return url.AsSpan(0, comma).EndsWith(";base64", StringComparison.OrdinalIgnoreCase)
            ? Convert.FromBase64String(data.ToString())
            : Encoding.UTF8.GetBytes(Uri.UnescapeDataString(data.ToString()));
    }
}
