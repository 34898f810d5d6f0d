namespace Replicate;

/// <summary>
/// A file for a typed model input (a <c>format: uri</c> property): a local file, a stream, bytes, a URL, another model's
/// <see cref="FileOutput"/> or an uploaded <see cref="ReplicateFile"/>. Local content is uploaded to the Files API or
/// inlined as a <c>data:</c> URI per <see cref="FileEncodingStrategy"/>, exactly like file values in untyped inputs;
/// URLs are sent as they are. Assign any of those directly: the conversions are implicit.
/// </summary>
public sealed class FileInput
{
    private FileInput(object value) => Value = value;

    /// <summary>Gets the file value: a FileInfo, Stream, byte array, memory, Uri, FileOutput or ReplicateFile.</summary>
    internal object Value { get; }

    /// <summary>A local file, uploaded (or inlined) when the prediction is created.</summary>
    /// <param name="file">The file.</param>
    public static implicit operator FileInput(FileInfo file) => FromFileInfo(file);

    /// <summary>A stream, read from its current position when the prediction is created.</summary>
    /// <param name="content">The content; left open.</param>
    public static implicit operator FileInput(Stream content) => FromStream(content);

    /// <summary>Bytes, uploaded (or inlined) when the prediction is created.</summary>
    /// <param name="content">The content.</param>
    public static implicit operator FileInput(byte[] content) => FromByteArray(content);

    /// <summary>A URL the model fetches itself.</summary>
    /// <param name="url">An absolute <c>https:</c>, <c>http:</c> or <c>data:</c> URL.</param>
    public static implicit operator FileInput(Uri url) => FromUri(url);

    /// <summary>Another model's output, passed on by URL (model chaining).</summary>
    /// <param name="output">The file output.</param>
    public static implicit operator FileInput(FileOutput output) => FromFileOutput(output);

    /// <summary>A file already uploaded to the Files API, passed by its URL.</summary>
    /// <param name="file">The uploaded file.</param>
    public static implicit operator FileInput(ReplicateFile file) => FromReplicateFile(file);

    /// <summary>A local file, uploaded (or inlined) when the prediction is created.</summary>
    /// <param name="file">The file.</param>
    /// <returns>The file input.</returns>
    public static FileInput FromFileInfo(FileInfo file) => new(file ?? throw new ArgumentNullException(nameof(file)));

    /// <summary>A stream, read from its current position when the prediction is created.</summary>
    /// <param name="content">The content; left open.</param>
    /// <returns>The file input.</returns>
    public static FileInput FromStream(Stream content) => new(content ?? throw new ArgumentNullException(nameof(content)));

    /// <summary>Bytes, uploaded (or inlined) when the prediction is created.</summary>
    /// <param name="content">The content.</param>
    /// <returns>The file input.</returns>
    public static FileInput FromByteArray(byte[] content) => new(content ?? throw new ArgumentNullException(nameof(content)));

    /// <summary>Bytes, uploaded (or inlined) when the prediction is created.</summary>
    /// <param name="content">The content.</param>
    /// <returns>The file input.</returns>
    public static FileInput FromMemory(ReadOnlyMemory<byte> content) => new(content);

    /// <summary>A URL the model fetches itself.</summary>
    /// <param name="url">An absolute <c>https:</c>, <c>http:</c> or <c>data:</c> URL.</param>
    /// <returns>The file input.</returns>
    /// <exception cref="ArgumentException">The URL is relative or has another scheme.</exception>
    public static FileInput FromUri(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.IsAbsoluteUri && url.Scheme is "https" or "http" or "data"
            ? new FileInput(url)
            : throw new ArgumentException($"'{url}' is not an absolute https:, http: or data: URL.", nameof(url));
    }

    /// <summary>Another model's output, passed on by URL (model chaining).</summary>
    /// <param name="output">The file output.</param>
    /// <returns>The file input.</returns>
    public static FileInput FromFileOutput(FileOutput output) => new(output ?? throw new ArgumentNullException(nameof(output)));

    /// <summary>A file already uploaded to the Files API, passed by its URL.</summary>
    /// <param name="file">The uploaded file.</param>
    /// <returns>The file input.</returns>
    public static FileInput FromReplicateFile(ReplicateFile file) => new(file ?? throw new ArgumentNullException(nameof(file)));

    /// <inheritdoc />
    public override string ToString() => Value switch
    {
        FileInfo file => "FileInput { File = " + file.Name + " }",
        Uri url => "FileInput { Url = " + (url.Scheme == "data" ? "data:..." : url.GetLeftPart(UriPartial.Path)) + " }",
        FileOutput output => "FileInput { Url = " + output.Uri.GetLeftPart(UriPartial.Path) + " }",
        ReplicateFile uploaded => "FileInput { FileId = " + uploaded.Id + " }",
        _ => "FileInput { " + Value.GetType().Name + " }",
    };
}
