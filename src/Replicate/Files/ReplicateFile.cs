using System.Diagnostics;
using System.Text.Json;

namespace Replicate;

/// <summary>
/// A file uploaded to the Files API (<c>POST /files</c>), as <c>GET /files/{id}</c> returns it. Pass it (or its
/// <see cref="FileUrls.Get"/>) as a model input; uploaded files expire, about 24 hours after creation.
/// </summary>
[DebuggerDisplay("{Id,nq} {Name,nq} ({Size} bytes)")]
public sealed class ReplicateFile
{
    /// <summary>Gets the file id (an opaque string).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the file name given at upload, when the server reports it.</summary>
    public string? Name { get; init; }

    /// <summary>Gets the media type, e.g. <c>image/png</c>.</summary>
    public string? ContentType { get; init; }

    /// <summary>Gets the size in bytes.</summary>
    public long Size { get; init; }

    /// <summary>Gets the entity tag (the MD5 of the content, in practice), when the server reports it.</summary>
    public string? Etag { get; init; }

    /// <summary>Gets the content's checksums.</summary>
    public FileChecksums? Checksums { get; init; }

    /// <summary>Gets the metadata given at upload (a JSON object; <c>{}</c> when none was given).</summary>
    public JsonElement? Metadata { get; init; }

    /// <summary>Gets when the file was created.</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Gets when the file expires and stops being usable as an input.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Gets the file's URLs; <see cref="FileUrls.Get"/> is what a model input takes.</summary>
    public FileUrls? Urls { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"ReplicateFile {Id} ({Name ?? ContentType}, {Size} bytes)";
}
