using System.Diagnostics;
using System.Net;

namespace Replicate;

/// <summary>
/// A file a model produced: an <c>https:</c>/<c>http:</c> URL or a <c>data:</c> URI. A reusable handle, not a stream:
/// every read fetches the file again, and HTTP downloads are streamed, never held in memory unless you ask for the bytes.
/// Pass it as another model's input to chain models: it becomes its URL.
/// </summary>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class FileOutput
{
    private const int CopyBufferSize = 81920;
    private readonly ReplicateTransport _transport;

    /// <summary>Whether the SDK built this URL for an API operation (a Files API download), so it may carry the token.</summary>
    private readonly bool _isApiUrl;

    /// <summary>A file at a URL from model output or a stream event: untrusted, fetched without the API token.</summary>
    internal FileOutput(Uri uri, ReplicateTransport transport)
        : this(uri, transport, isApiUrl: false)
    {
    }

    private FileOutput(Uri uri, ReplicateTransport transport, bool isApiUrl)
    {
        Uri = uri;
        _transport = transport;
        _isApiUrl = isApiUrl;
    }

    /// <summary>A download the SDK builds itself on the API host (<c>GET /files/{id}/download</c>): it carries the token.</summary>
    internal static FileOutput ForApiDownload(Uri uri, ReplicateTransport transport) => new(uri, transport, isApiUrl: true);

    /// <summary>Gets the file's URL (or <c>data:</c> URI).</summary>
    public Uri Uri { get; }

    /// <summary>The default most <see cref="ReadAllBytesAsync(CancellationToken)"/> reads into memory: 256 MiB.</summary>
    public const long DefaultMaxReadBytes = 256L * 1024 * 1024;

    private string? _responseContentType;

    /// <summary>
    /// Gets the media type: from a <c>data:</c> URI at once; for an HTTP URL, from the response's <c>Content-Type</c> once
    /// the file was opened or read (<see langword="null"/> before that, or when the server sent none).
    /// </summary>
    public string? ContentType => DataUri.TryGetMediaType(Uri, out var mediaType) ? mediaType : Volatile.Read(ref _responseContentType);

    /// <summary>Opens the file for reading. Dispose the stream to release the connection.</summary>
    /// <param name="cancellationToken">Cancels the request and the read.</param>
    /// <returns>A read-only stream of the file's bytes.</returns>
    /// <exception cref="ReplicateApiException">The file host answered with an error status.</exception>
    /// <exception cref="ReplicateException">A <c>data:</c> URI is malformed.</exception>
    public async Task<Stream> OpenReadAsync(CancellationToken cancellationToken = default)
    {
        if (Uri.Scheme == "data")
        {
            return new MemoryStream(DataUri.Decode(Uri), writable: false);
        }

        // Model output is untrusted: a URL it names never gets the token, even one on the API host.
        var request = _isApiUrl
            ? _transport.CreateRequest(HttpMethod.Get, Uri, accept: "*/*")
            : _transport.CreateUntrustedRequest(HttpMethod.Get, Uri, accept: "*/*");
        request.StreamResponse = true;
        try
        {
            var response = await _transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
            try
            {
                if (response.Content.Headers.ContentType?.MediaType is { } mediaType)
                {
                    Volatile.Write(ref _responseContentType, mediaType);
                }

                var stream = IdleTimeoutStream.Wrap(
                    await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), _transport.Options.StreamIdleTimeout, _transport.TimeProvider);
                return new ResponseStream(stream, response, request);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
        catch
        {
            request.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the whole file into memory, up to <see cref="DefaultMaxReadBytes"/> (256 MiB). Prefer <see cref="CopyToAsync"/>
    /// or <see cref="SaveAsync"/> for large files: a model's output URL could name a file of any size.
    /// </summary>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>The file's bytes.</returns>
    /// <exception cref="ReplicateException">The file is larger than <see cref="DefaultMaxReadBytes"/>; nothing more is read.</exception>
    public Task<byte[]> ReadAllBytesAsync(CancellationToken cancellationToken = default) =>
        ReadAllBytesAsync(DefaultMaxReadBytes, cancellationToken);

    /// <summary>Reads the whole file into memory, refusing one larger than <paramref name="maxBytes"/>.</summary>
    /// <param name="maxBytes">The most bytes to read; a larger file (by its <c>Content-Length</c>, or as it arrives) fails.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>The file's bytes.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is negative or over <see cref="Array.MaxLength"/>.</exception>
    /// <exception cref="ReplicateException">The file is larger than <paramref name="maxBytes"/>; nothing more is read.</exception>
    public async Task<byte[]> ReadAllBytesAsync(long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBytes, Array.MaxLength);
        var source = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            long? declared = source is ResponseStream response ? response.DeclaredLength : source.Length;
            if (declared > maxBytes)
            {
                throw TooLarge(maxBytes, declared);
            }

            using var buffer = new MemoryStream(declared is > 0 ? (int)declared.Value : 0);
            var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(CopyBufferSize);
            try
            {
                int read;
                while ((read = await source.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, maxBytes - buffer.Length + 1)), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    if (buffer.Length + read > maxBytes)
                    {
                        throw TooLarge(maxBytes, null);
                    }

                    buffer.Write(chunk, 0, read);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
            }

            return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
        }
    }

    /// <summary>Streams the file into <paramref name="destination"/> with a fixed-size buffer, whatever the file's size.</summary>
    /// <param name="destination">Where to write.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>A task that completes when the file was copied.</returns>
    public async Task CopyToAsync(Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var source = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            await source.CopyToAsync(destination, CopyBufferSize, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Downloads the file to <paramref name="path"/>, replacing it. The bytes go to a new, uniquely named file in the same
    /// folder, which is moved into place when complete: a failed or canceled download leaves no partial file, two saves to
    /// one path never mix their bytes, and a file or link planted at a predictable name is never written through.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>A task that completes when the file is written.</returns>
    public async Task SaveAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        var partial = Path.Combine(Path.GetDirectoryName(full) ?? ".", $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.partial");
        try
        {
            // CreateNew fails on anything already there, a symbolic link included, instead of following it.
            var file = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferSize, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                await CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }

            File.Move(partial, full, overwrite: true);
        }
        catch
        {
            TryDelete(partial);
            throw;
        }
    }

    /// <summary>Returns the URL, as Python's <c>str(FileOutput)</c> does.</summary>
    /// <returns>The URL.</returns>
    public override string ToString() => Uri.OriginalString;

    /// <summary>Wraps a string that is an <c>http(s):</c> URL or a <c>data:</c> URI; anything else (<c>file:</c>, <c>javascript:</c>, text) is not a file.</summary>
    internal static bool TryCreate(string? value, ReplicateTransport transport, out FileOutput? file)
    {
        file = null;
        if (value is null
            || !(value.StartsWith("https:", StringComparison.OrdinalIgnoreCase)
                || value.StartsWith("http:", StringComparison.OrdinalIgnoreCase)
                || value.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
            || !Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || (uri.Scheme != "data" && string.IsNullOrEmpty(uri.Host)))
        {
            return false;
        }

        file = new FileOutput(uri, transport);
        return true;
    }

    private ReplicateException TooLarge(long maxBytes, long? declared) => new(
        $"The file at {(Uri.Scheme == "data" ? "a data: URI" : Uri.GetLeftPart(UriPartial.Path))} is {(declared is { } size ? $"{size} bytes" : "larger than that")}, " +
        $"more than the {maxBytes} bytes ReadAllBytesAsync reads into memory. Use SaveAsync or CopyToAsync, or pass a larger maxBytes.");

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original error matters more.
        }
        catch (UnauthorizedAccessException)
        {
            // Best effort: the original error matters more.
        }
    }

    /// <summary>The response body, which disposes the response (returning the connection to the pool) when disposed.</summary>
    private sealed class ResponseStream(Stream inner, HttpResponseMessage response, HttpRequestMessage request) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => DeclaredLength ?? throw new NotSupportedException("The server did not send a Content-Length.");

        public long? DeclaredLength => response.Content.Headers.ContentLength;

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            inner.ReadAsync(buffer, cancellationToken);

        public override Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken) =>
            inner.CopyToAsync(destination, bufferSize, cancellationToken);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                response.Dispose();
                request.Dispose();
            }

            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            response.Dispose();
            request.Dispose();
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
