using System.Text;

namespace Replicate.Cli;

/// <summary>
/// Saves model output files into a folder under names taken from their URLs, made safe: only the last path segment,
/// decoded, with separators, control characters and characters no file system accepts removed. A URL whose name decodes
/// to <c>../../x</c> is saved as <c>x</c> inside the folder, never outside it; an existing file is never replaced (a
/// number is added instead). Each file is streamed to disk by <see cref="FileOutput.SaveAsync"/>.
/// </summary>
internal static class OutputFiles
{
    private const int MaxNameLength = 120;

    public static async Task<IReadOnlyList<string>> SaveAsync(IReadOnlyList<FileOutput> files, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var root = Path.GetFullPath(directory);
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var saved = new List<string>(files.Count);
        for (var i = 0; i < files.Count; i++)
        {
            var name = Unique(root, SafeName(files[i].Uri, i), taken);
            var path = Path.Combine(root, name);
            if (!string.Equals(Path.GetDirectoryName(Path.GetFullPath(path)), root.TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal))
            {
                throw new InvalidOperationException("An output file name escaped the output folder: " + name);
            }

            await files[i].SaveAsync(path, cancellationToken).ConfigureAwait(false);
            saved.Add(directory == "." ? name : Path.Combine(directory, name));
        }

        return saved;
    }

    /// <summary>A file name for the output at <paramref name="uri"/>, the <paramref name="index"/>-th of the prediction.</summary>
    internal static string SafeName(Uri uri, int index)
    {
        var fallback = "output-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (uri.Scheme == "data")
        {
            return fallback + Extension(uri.OriginalString);
        }

        var path = uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString;
        string decoded;
        try
        {
            decoded = Uri.UnescapeDataString(path);
        }
        catch (UriFormatException)
        {
            decoded = path;
        }

        return SafeFileName(decoded, fallback);
    }

    /// <summary>
    /// <paramref name="name"/> as one file name: separators, control characters and characters file systems refuse
    /// removed, leading and trailing dots and spaces trimmed, at most 120 characters (the extension kept);
    /// <paramref name="fallback"/> when nothing is left.
    /// </summary>
    internal static string SafeFileName(string name, string fallback)
    {
        var last = name.Split('/', '\\').LastOrDefault(s => s.Length > 0) ?? string.Empty;
        var invalid = Path.GetInvalidFileNameChars();
        var clean = new StringBuilder(last.Length);
        foreach (var c in last)
        {
            if (!char.IsControl(c) && Array.IndexOf(invalid, c) < 0 && c is not (':' or '*' or '?' or '"' or '<' or '>' or '|'))
            {
                clean.Append(c);
            }
        }

        var safe = clean.ToString().Trim().Trim('.').Trim();
        if (safe.Length == 0)
        {
            return fallback;
        }

        if (safe.Length > MaxNameLength)
        {
            var extension = Path.GetExtension(safe);
            extension = extension.Length <= 16 ? extension : string.Empty;
            safe = safe[..(MaxNameLength - extension.Length)] + extension;
        }

        return safe;
    }

    private static string Unique(string root, string name, HashSet<string> taken)
    {
        var stem = Path.GetFileNameWithoutExtension(name);
        var extension = Path.GetExtension(name);
        var candidate = name;
        for (var n = 1; taken.Contains(candidate) || File.Exists(Path.Combine(root, candidate)) || Directory.Exists(Path.Combine(root, candidate)); n++)
        {
            candidate = stem + "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + extension;
        }

        taken.Add(candidate);
        return candidate;
    }

    private static string Extension(string dataUri)
    {
        var end = dataUri.IndexOfAny([';', ',']);
        var mediaType = end > 5 ? dataUri[5..end].ToLowerInvariant() : string.Empty;
        return mediaType switch
        {
            "image/png" => ".png",
            "image/jpeg" => ".jpg",
            "image/webp" => ".webp",
            "image/gif" => ".gif",
            "audio/wav" or "audio/x-wav" => ".wav",
            "audio/mpeg" => ".mp3",
            "video/mp4" => ".mp4",
            "text/plain" => ".txt",
            "application/json" => ".json",
            _ => string.Empty,
        };
    }
}
