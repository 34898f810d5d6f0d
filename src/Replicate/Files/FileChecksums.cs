namespace Replicate;

/// <summary>Checksums of an uploaded file's content, as lowercase hex.</summary>
public sealed class FileChecksums
{
    /// <summary>Gets the SHA-256 of the content.</summary>
    public string? Sha256 { get; init; }

    /// <summary>Gets the MD5 of the content, when the server reports it.</summary>
    public string? Md5 { get; init; }
}
