using System.Diagnostics.CodeAnalysis;

namespace Replicate;

/// <summary>Optional settings for <see cref="FilesClient.UploadAsync(string, FileUploadOptions?, CancellationToken)"/> and its overloads.</summary>
public sealed class FileUploadOptions
{
    /// <summary>
    /// Gets or sets the file name sent with the content (at most 255 UTF-8 bytes). Defaults to the file's name for a
    /// path, <see cref="FileInfo"/> or <see cref="FileStream"/>, else <c>file</c> plus an extension guessed from the content.
    /// </summary>
    public string? FileName { get; set; }

    /// <summary>
    /// Gets or sets the media type of the content part. Defaults to a guess from the file name's extension (or, for
    /// bytes, from the content's first bytes), else <c>application/octet-stream</c>.
    /// </summary>
    public string? ContentType { get; set; }

    /// <summary>
    /// Gets or sets metadata stored with the file: an anonymous object, dictionary, record or
    /// <see cref="System.Text.Json.Nodes.JsonObject"/>, serialized like model inputs. Sent as the <c>metadata</c> part only when set.
    /// </summary>
    public object? Metadata
    {
        get;
        [RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
        [RequiresDynamicCode(InputSerializer.ReflectionWarning)]
        set;
    }
}
