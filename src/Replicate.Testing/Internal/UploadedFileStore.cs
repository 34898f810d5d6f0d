using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Replicate.Testing.Internal;

/// <summary>
/// Files uploaded through <c>POST /files</c>. Content lives in a temporary folder on disk (deleted with the emulator),
/// so that a test uploading hundreds of megabytes measures the client's memory, not the server's.
/// </summary>
internal sealed class UploadedFileStore : IDisposable
{
    private readonly object _gate = new();
    private readonly List<UploadedFile> _files = [];
    private readonly Dictionary<string, UploadedFile> _byId = new(StringComparer.Ordinal);
    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);
    private string? _directory;

    /// <summary>Gets the folder uploads are written to, once the first one arrived: private to this user (0700 on Unix).</summary>
    internal string? Directory => _directory;

    /// <summary>A new path for an upload in progress, in the store's folder.</summary>
    public string NewContentPath()
    {
        if (_directory is null)
        {
            lock (_gate)
            {
                // CreateTempSubdirectory makes an unpredictable name with mode 0700, unlike a folder under /tmp made by hand.
                _directory ??= System.IO.Directory.CreateTempSubdirectory("replicate-emulator-").FullName;
            }
        }

        return Path.Combine(_directory, WireFormat.NewFileKey());
    }

    public void Add(UploadedFile file)
    {
        lock (_gate)
        {
            _files.Add(file);
            _byId[file.Id] = file;
        }
    }

    public UploadedFile? Find(string id)
    {
        lock (_gate)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    public bool Remove(string id)
    {
        UploadedFile? file;
        lock (_gate)
        {
            if (!_byId.Remove(id, out file))
            {
                return false;
            }

            _files.Remove(file);
        }

        TryDelete(file.ContentPath);
        return true;
    }

    /// <summary>The files, newest first (as <c>GET /files</c> lists them).</summary>
    public UploadedFile[] NewestFirst()
    {
        lock (_gate)
        {
            var snapshot = _files.ToArray();
            Array.Reverse(snapshot);
            return snapshot;
        }
    }

    /// <summary>The download signature: base64 HMAC-SHA256 of <c>"{owner} {id} {expiry}"</c> with the store's signing secret.</summary>
    public string Sign(string owner, string id, long expiry) =>
        Convert.ToBase64String(HMACSHA256.HashData(_signingKey, Encoding.UTF8.GetBytes(owner + " " + id + " " + WireFormat.Invariant(expiry))));

    public bool IsValidSignature(string owner, string id, long expiry, string signature)
    {
        Span<byte> given = stackalloc byte[48];
        var expected = Convert.FromBase64String(Sign(owner, id, expiry));
        return Convert.TryFromBase64String(signature, given, out var written)
            && CryptographicOperations.FixedTimeEquals(given[..written], expected);
    }

    public void Dispose()
    {
        try
        {
            if (_directory is not null && System.IO.Directory.Exists(_directory))
            {
                System.IO.Directory.Delete(_directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // A download still streaming a file keeps it open; the OS temp folder gets it eventually.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Open by a download in progress; the folder is deleted with the emulator.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}

/// <summary>One uploaded file: the facts <c>schemas_file_response</c> reports, and where its content is.</summary>
internal sealed record UploadedFile(
    string Id,
    string Name,
    string ContentType,
    long Size,
    string Sha256,
    string Md5,
    byte[] MetadataJson,
    DateTimeOffset CreatedAt,
    string ContentPath)
{
    /// <summary>Uploaded files expire 24 hours after creation, as observed on Replicate.</summary>
    public DateTimeOffset ExpiresAt => CreatedAt.AddHours(24);

    public string GetUrl(string origin) => origin + "/v1/files/" + Id;

    public Stream OpenRead() =>
        new FileStream(ContentPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.Asynchronous);

    public void WriteJson(Utf8JsonWriter writer, string origin)
    {
        writer.WriteStartObject();
        writer.WriteString("id", Id);
        writer.WriteString("name", Name);
        writer.WriteString("content_type", ContentType);
        writer.WriteNumber("size", Size);
        writer.WriteString("etag", Md5);
        writer.WriteStartObject("checksums");
        writer.WriteString("sha256", Sha256);
        writer.WriteString("md5", Md5);
        writer.WriteEndObject();
        writer.WritePropertyName("metadata");
        writer.WriteRawValue(MetadataJson, skipInputValidation: true);
        WireFormat.WriteTimestamp(writer, "created_at", CreatedAt);
        WireFormat.WriteTimestamp(writer, "expires_at", ExpiresAt);
        writer.WriteStartObject("urls");
        writer.WriteString("get", GetUrl(origin));
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
