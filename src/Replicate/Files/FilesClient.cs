using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Replicate;

/// <summary>
/// Uploads, reads, lists, deletes and downloads files of the Files API. Reach it through <see cref="ReplicateClient.Files"/>.
/// Uploaded files can be passed as model inputs (a <see cref="ReplicateFile"/> in an input becomes its <c>urls.get</c>);
/// <see cref="FileInfo"/>, <see cref="Stream"/> and byte values in an input are uploaded for you (see <see cref="FileEncodingStrategy"/>).
/// </summary>
public class FilesClient
{
    /// <summary>The most bytes a file name may have, per the API.</summary>
    private const int MaxFileNameBytes = 255;

    private readonly ReplicateTransport _transport;

    /// <summary>Initializes a new instance for mocking.</summary>
    protected FilesClient()
    {
        _transport = null!;
    }

    internal FilesClient(ReplicateTransport transport)
    {
        _transport = transport;
    }

    /// <summary>Uploads the file at <paramref name="path"/>, streamed from disk.</summary>
    /// <remarks><c>POST /files</c> (multipart/form-data, 201).</remarks>
    /// <param name="path">The file to upload.</param>
    /// <param name="options">File name, media type and metadata; by default the file's own name and a type guessed from its extension.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <returns>The uploaded file.</returns>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ReplicateApiException">The API refused the upload (413 when the file is too large).</exception>
    public virtual Task<ReplicateFile> UploadAsync(string path, FileUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return UploadAsync(new FileInfo(path), options, cancellationToken);
    }

    /// <summary>
    /// Uploads a file, streamed from disk with a fixed-size buffer whatever its size (<c>POST /files</c>, multipart). A
    /// throttled (429) upload is retried: the file is read again from the start.
    /// </summary>
    /// <remarks><c>POST /files</c> (multipart/form-data, 201).</remarks>
    /// <param name="file">The file to upload.</param>
    /// <param name="options">File name, media type and metadata; by default the file's own name and a type guessed from its extension.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <returns>The uploaded file.</returns>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="ReplicateApiException">The API refused the upload (413 when the file is too large).</exception>
    public virtual Task<ReplicateFile> UploadAsync(FileInfo file, FileUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        return UploadAsync(_transport, file, options, cancellationToken);
    }

    /// <summary>
    /// Uploads the rest of a stream, from its current position (<c>POST /files</c>, multipart, streamed). The stream is
    /// left open. A seekable stream is rewound and sent again if the upload is throttled (429); one that cannot seek is
    /// sent once, so a throttled upload throws <see cref="ReplicateApiException"/> instead of being retried.
    /// </summary>
    /// <remarks><c>POST /files</c> (multipart/form-data, 201).</remarks>
    /// <param name="content">The content; a <see cref="FileStream"/> gives its file name.</param>
    /// <param name="options">File name, media type and metadata.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <returns>The uploaded file.</returns>
    /// <exception cref="ArgumentException">The stream cannot be read.</exception>
    /// <exception cref="ReplicateApiException">The API refused the upload (413 when the file is too large).</exception>
    public virtual Task<ReplicateFile> UploadAsync(Stream content, FileUploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        return UploadAsync(_transport, content, options, cancellationToken);
    }

    /// <summary>Uploads bytes. A throttled (429) upload is retried.</summary>
    /// <remarks><c>POST /files</c> (multipart/form-data, 201).</remarks>
    /// <param name="content">The content.</param>
    /// <param name="options">File name, media type and metadata; by default the type is read from the content's first bytes.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <returns>The uploaded file.</returns>
    /// <exception cref="ReplicateApiException">The API refused the upload (413 when the file is too large).</exception>
    public virtual Task<ReplicateFile> UploadAsync(ReadOnlyMemory<byte> content, FileUploadOptions? options = null, CancellationToken cancellationToken = default) =>
        UploadAsync(_transport, content, options, cancellationToken);

    /// <summary>Gets a file's metadata.</summary>
    /// <remarks><c>GET /files/{id}</c>.</remarks>
    /// <param name="id">The file id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The file.</returns>
    /// <exception cref="ReplicateApiException">404 when there is no such file (or it was deleted).</exception>
    public virtual Task<ReplicateFile> GetAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(_transport.Resolve("files/" + OptionChecks.PathId(id, nameof(id))), ReplicateJsonContext.Default.ReplicateFile, cancellationToken).AsTask();

    /// <summary>Deletes a file. Later requests for it get 404.</summary>
    /// <remarks><c>DELETE /files/{id}</c> (204).</remarks>
    /// <param name="id">The file id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the file is deleted.</returns>
    /// <exception cref="ReplicateApiException">404 when there is no such file.</exception>
    public virtual Task DeleteAsync(string id, CancellationToken cancellationToken = default) =>
        _transport.SendWithoutResultAsync(_transport.CreateRequest(HttpMethod.Delete, _transport.Resolve("files/" + OptionChecks.PathId(id, nameof(id)))), cancellationToken);

    /// <summary>Gets one page of the account's files, newest first.</summary>
    /// <remarks><c>GET /files</c>.</remarks>
    /// <param name="cursor">A page's <see cref="Page{T}.Next"/> or <see cref="Page{T}.Previous"/>, or <see langword="null"/> for the first page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The page.</returns>
    public virtual Task<Page<ReplicateFile>> ListAsync(string? cursor = null, CancellationToken cancellationToken = default) =>
        _transport.GetAsync(_transport.ListUri("files", cursor), ReplicateJsonContext.Default.PageReplicateFile, cancellationToken).AsTask();

    /// <summary>Enumerates every file of the account, newest first, fetching pages lazily as you iterate.</summary>
    /// <remarks><c>GET /files</c>, then each <c>next</c> page.</remarks>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The files.</returns>
    public virtual IAsyncEnumerable<ReplicateFile> EnumerateAsync(CancellationToken cancellationToken = default) =>
        Pager.EnumerateAsync(ListAsync, "files", cancellationToken);

    /// <summary>
    /// Opens a file's content for reading, streamed. Dispose the stream to release the connection.
    /// </summary>
    /// <remarks><c>GET /files/{id}/download?owner=...&amp;expiry=...&amp;signature=...</c> with the link's parts.</remarks>
    /// <param name="link">The signed download link.</param>
    /// <param name="cancellationToken">Cancels the request and the read.</param>
    /// <returns>A read-only stream of the content.</returns>
    /// <exception cref="ReplicateApiException">404 when the file does not exist or the signature is invalid or expired.</exception>
    public virtual Task<Stream> OpenReadAsync(FileDownloadLink link, CancellationToken cancellationToken = default) =>
        Download(link).OpenReadAsync(cancellationToken);

    /// <summary>Streams a file's content into <paramref name="destination"/> with a fixed-size buffer.</summary>
    /// <remarks><c>GET /files/{id}/download?owner=...&amp;expiry=...&amp;signature=...</c>.</remarks>
    /// <param name="link">The signed download link.</param>
    /// <param name="destination">Where to write.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>A task that completes when the content was copied.</returns>
    /// <exception cref="ReplicateApiException">404 when the file does not exist or the signature is invalid or expired.</exception>
    public virtual Task CopyToAsync(FileDownloadLink link, Stream destination, CancellationToken cancellationToken = default) =>
        Download(link).CopyToAsync(destination, cancellationToken);

    /// <summary>
    /// Downloads a file's content to <paramref name="path"/>, replacing it. A failed or canceled download leaves no
    /// partial file.
    /// </summary>
    /// <remarks><c>GET /files/{id}/download?owner=...&amp;expiry=...&amp;signature=...</c>.</remarks>
    /// <param name="link">The signed download link.</param>
    /// <param name="path">The file to write.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>A task that completes when the file is written.</returns>
    /// <exception cref="ReplicateApiException">404 when the file does not exist or the signature is invalid or expired.</exception>
    public virtual Task SaveAsync(FileDownloadLink link, string path, CancellationToken cancellationToken = default) =>
        Download(link).SaveAsync(path, cancellationToken);

    internal static Task<ReplicateFile> UploadAsync(ReplicateTransport transport, FileInfo file, FileUploadOptions? options, CancellationToken cancellationToken)
    {
        var name = options?.FileName ?? file.Name;

        // No FileStream buffer: the upload copies through its own pooled buffer.
        var stream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        return SendAsync(transport, new StreamUploadContent(stream, ownsStream: true), name, options?.ContentType ?? FileMediaTypes.FromFileName(name), options?.Metadata, canResend: true, cancellationToken);
    }

    internal static Task<ReplicateFile> UploadAsync(ReplicateTransport transport, Stream content, FileUploadOptions? options, CancellationToken cancellationToken)
    {
        var part = new StreamUploadContent(content, ownsStream: false);
        var name = options?.FileName ?? (content is FileStream file ? Path.GetFileName(file.Name) : "file");
        return SendAsync(transport, part, name, options?.ContentType ?? FileMediaTypes.FromFileName(name), options?.Metadata, part.CanResend, cancellationToken);
    }

    internal static Task<ReplicateFile> UploadAsync(ReplicateTransport transport, ReadOnlyMemory<byte> content, FileUploadOptions? options, CancellationToken cancellationToken)
    {
        var (name, contentType) = Describe(options?.FileName, options?.ContentType, content.Span);
        return SendAsync(transport, new ReadOnlyMemoryContent(content), name, contentType, options?.Metadata, canResend: true, cancellationToken);
    }

    /// <summary>A name and media type for unnamed bytes: the caller's, else guessed from the content (<c>file.png</c>).</summary>
    internal static (string Name, string ContentType) Describe(string? fileName, string? contentType, ReadOnlySpan<byte> head)
    {
        if (fileName is not null)
        {
            return (fileName, contentType ?? FileMediaTypes.FromFileName(fileName));
        }

        var type = contentType ?? FileMediaTypes.FromContent(head) ?? FileMediaTypes.Default;
        return ("file" + FileMediaTypes.ExtensionOf(type), type);
    }

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Metadata is serialized by reflection; its setter carries RequiresUnreferencedCode, so whoever set it was warned.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "As above: FileUploadOptions.Metadata's setter carries RequiresDynamicCode.")]
    private static async Task<ReplicateFile> SendAsync(
        ReplicateTransport transport, HttpContent part, string fileName, string contentType, object? metadata, bool canResend, CancellationToken cancellationToken)
    {
        // multipart/form-data built by hand: MultipartFormDataContent would add filename* and unquoted parameters,
        // while the API (like browsers) expects a quoted UTF-8 filename and the part's own Content-Type.
        var body = UploadContent.Create();
        ApiRequest request;
        try
        {
            body.Add(part);
            part.Headers.ContentType = ParseContentType(contentType);
            part.Headers.TryAddWithoutValidation("Content-Disposition", "form-data; name=\"content\"; filename=\"" + QuoteFileName(fileName) + "\"");
            if (metadata is not null)
            {
                var json = ReplicateTransport.JsonContent(metadata, static (writer, value) => InputSerializer.WriteInput(writer, value, "file metadata", nameof(FileUploadOptions.Metadata)));
                json.Headers.TryAddWithoutValidation("Content-Disposition", "form-data; name=\"metadata\"");
                body.Add(json);
            }

            // The spec's own fields for the name and type, beside the part's headers: a server that reads the form
            // fields gets the exact name (not the quoted one) and the type the SDK chose.
            body.Add(FormField("filename", fileName));
            body.Add(FormField("type", contentType));
            request = transport.CreateRequest(HttpMethod.Post, transport.Resolve("files"));
        }
        catch
        {
            body.Dispose();
            throw;
        }

        request.Content = body;

        // Sending a large file takes as long as it takes, so only the caller's token bounds the body; the time to
        // response headers (RequestTimeout) starts once it was all sent (see UploadContent).
        request.AttemptTimeout = Timeout.InfiniteTimeSpan;
        if (!canResend)
        {
            request.NoRetry = true;
        }

        try
        {
            return await transport.SendAsync(request, ReplicateJsonContext.Default.ReplicateFile, cancellationToken).ConfigureAwait(false);
        }
        catch (ReplicateApiException ex) when (!canResend && ex.StatusCode == HttpStatusCode.TooManyRequests && transport.Options.MaxRetries > 0)
        {
            throw ex.WithHint(" The upload was not retried: its stream cannot seek, so the content cannot be sent again. Pass a seekable stream, a FileInfo or bytes to have throttled uploads retried.");
        }
    }

    private FileOutput Download(FileDownloadLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        return FileOutput.ForApiDownload(_transport.Resolve(link.RelativeUri()), _transport);
    }

    /// <summary>A plain text form field (<c>form-data; name="..."</c>, UTF-8, no content type, as browsers send them).</summary>
    private static ByteArrayContent FormField(string name, string value)
    {
        var field = new ByteArrayContent(Encoding.UTF8.GetBytes(value));
        field.Headers.TryAddWithoutValidation("Content-Disposition", "form-data; name=\"" + name + "\"");
        return field;
    }

    private static MediaTypeHeaderValue ParseContentType(string contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
            ? parsed
            : throw new ArgumentException($"'{contentType}' is not a media type such as image/png.", nameof(contentType));

    /// <summary>Quotes a file name the way browsers do (WHATWG): <c>"</c>, CR and LF percent-encoded, everything else as UTF-8.</summary>
    private static string QuoteFileName(string fileName)
    {
        if (string.IsNullOrEmpty(fileName) || Encoding.UTF8.GetByteCount(fileName) > MaxFileNameBytes)
        {
            throw new ArgumentException($"The file name must be 1 to {MaxFileNameBytes} UTF-8 bytes long; got '{fileName}'.", nameof(fileName));
        }

        return fileName.Replace("\"", "%22", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);
    }
}
