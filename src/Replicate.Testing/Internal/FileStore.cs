using System.Collections.Concurrent;

namespace Replicate.Testing.Internal;

/// <summary>Output files served at <c>/files-output/{key}/{fileName}</c>; content comes from a factory per download.</summary>
internal sealed class FileStore
{
    public const string PathPrefix = "/files-output/";

    private readonly ConcurrentDictionary<string, FileEntry> _files = new(StringComparer.Ordinal);
    private readonly Func<string> _origin;

    public FileStore(Func<string> origin) => _origin = origin;

    public string Add(string fileName, string contentType, Func<Stream> open)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentException.ThrowIfNullOrEmpty(contentType);
        ArgumentNullException.ThrowIfNull(open);
        if (fileName.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException("A file name cannot contain '/'.", nameof(fileName));
        }

        // A random segment per file keeps two files with the same name (out-0.png of two predictions) apart.
        var key = WireFormat.NewFileKey();
        _files[key] = new FileEntry(fileName, contentType, open);
        return _origin() + PathPrefix + key + "/" + Uri.EscapeDataString(fileName);
    }

    /// <summary>Finds the file for a request path below <see cref="PathPrefix"/>.</summary>
    public FileEntry? Find(string path)
    {
        var rest = path.AsSpan(PathPrefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0)
        {
            return null;
        }

        var key = rest[..slash].ToString();
        if (!_files.TryGetValue(key, out var entry))
        {
            return null;
        }

        // Kestrel hands over the decoded path, so compare with the decoded name.
        return rest[(slash + 1)..].SequenceEqual(entry.FileName) ? entry : null;
    }
}

internal sealed record FileEntry(string FileName, string ContentType, Func<Stream> Open);
