using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Replicate;

/// <summary>
/// The file values of one model input. The input serializer is synchronous, so it writes a placeholder string for each
/// file and records the value here; <see cref="SerializeAsync"/> then uploads or encodes the files and splices their
/// URLs into the JSON in place of the placeholders. Placeholders carry a random nonce, so no string a caller wrote can
/// be mistaken for one.
/// </summary>
internal sealed class FileInputs
{
    /// <summary>The largest file <see cref="FileEncodingStrategy.Auto"/> inlines: Replicate's advice for data URLs.</summary>
    internal const long AutoDataUriThreshold = 256 * 1024;

    /// <summary>The most file bytes inlined into one request (the JavaScript client's limit), so a request body stays sane.</summary>
    internal const long MaxInlineBytes = 10_000_000;

    private const string PlaceholderPrefix = "replicate-file-input:";

    private List<object>? _values;
    private Dictionary<object, int>? _byReference;
    private string? _prefix;

    public int Count => _values?.Count ?? 0;

    /// <summary>Records a file value and returns its placeholder; the same object twice gets one placeholder (a stream can be read only once).</summary>
    public string Add(object value)
    {
        _prefix ??= PlaceholderPrefix + RandomNumberGenerator.GetHexString(32, lowercase: true) + ":";
        var isReference = !value.GetType().IsValueType;
        if (isReference && (_byReference ??= new Dictionary<object, int>(ReferenceEqualityComparer.Instance)).TryGetValue(value, out var existing))
        {
            return _prefix + existing.ToString(CultureInfo.InvariantCulture);
        }

        var index = Count;
        (_values ??= []).Add(value);
        if (isReference)
        {
            _byReference![value] = index;
        }

        return _prefix + index.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Serializes a model input to JSON, with its file values uploaded or inlined per <paramref name="strategy"/>.
    /// Completes synchronously when the input holds no files.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode(InputSerializer.ReflectionWarning)]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode(InputSerializer.ReflectionWarning)]
    public static async ValueTask<ReadOnlyMemory<byte>> SerializeAsync(
        ReplicateTransport transport, object input, FileEncodingStrategy strategy, string parameterName, CancellationToken cancellationToken)
    {
        var files = new FileInputs();
        var json = InputSerializer.Serialize(input, "model input", parameterName, files);
        return await files.ResolveAsync(transport, json, strategy, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The JSON to send for a typed file value: its URL when it already has one (a <see cref="Uri"/>, a
    /// <see cref="FileOutput"/>, an uploaded <see cref="ReplicateFile"/>), else a placeholder that
    /// <see cref="ResolveAsync"/> replaces with the upload's URL or a <c>data:</c> URI.
    /// </summary>
    public string Add(FileInput file)
    {
        ArgumentNullException.ThrowIfNull(file);
        return file.Value switch
        {
            Uri uri => uri.OriginalString,
            FileOutput output => output.Uri.OriginalString,
            ReplicateFile uploaded => uploaded.Urls?.Get?.AbsoluteUri
                ?? throw new ArgumentException($"The uploaded file {uploaded.Id} has no urls.get to pass as an input.", nameof(file)),
            var value => Add(value),
        };
    }

    /// <summary>Uploads or inlines the recorded files per <paramref name="strategy"/> and puts their URLs into <paramref name="json"/>.</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ResolveAsync(
        ReplicateTransport transport, ReadOnlyMemory<byte> json, FileEncodingStrategy strategy, CancellationToken cancellationToken)
    {
        var files = this;
        if (files.Count == 0)
        {
            return json;
        }

        var urls = new string[files.Count];
        long inlined = 0;
        for (var i = 0; i < urls.Length; i++)
        {
            var value = files._values![i];
            var size = KnownSize(value);
            var inline = strategy switch
            {
                FileEncodingStrategy.DataUri => true,
                FileEncodingStrategy.Auto => size <= AutoDataUriThreshold && inlined + size <= MaxInlineBytes,
                _ => false,
            };

            if (inline)
            {
                var (uri, length) = await EncodeAsync(value, MaxInlineBytes - inlined, cancellationToken).ConfigureAwait(false);
                urls[i] = uri;
                inlined += length;
            }
            else
            {
                urls[i] = await UploadAsync(transport, value, cancellationToken).ConfigureAwait(false);
            }
        }

        return files.Substitute(json.Span, urls);
    }

    /// <summary>
    /// A stable fingerprint of an input written with this instance's placeholders, without reading or uploading any
    /// file: SHA-256 of the JSON with the per-instance placeholder prefix made constant, and of each file value's
    /// identity (a file's full path, length and write time; bytes by their content; a stream only by its being one).
    /// Two runs over the same inputs give the same fingerprint, though uploads would give new URLs.
    /// </summary>
    public string Fingerprint(ReadOnlySpan<byte> json)
    {
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        if (_prefix is null)
        {
            hash.AppendData(json);
        }
        else
        {
            var prefix = System.Text.Encoding.UTF8.GetBytes(_prefix);
            var constant = System.Text.Encoding.UTF8.GetBytes(PlaceholderPrefix);
            var rest = json;
            int at;
            while ((at = rest.IndexOf(prefix)) >= 0)
            {
                hash.AppendData(rest[..at]);
                hash.AppendData(constant);
                rest = rest[(at + prefix.Length)..];
            }

            hash.AppendData(rest);
            foreach (var value in _values!)
            {
                var identity = value switch
                {
                    FileInfo file => $"file:{file.FullName}:{(file.Exists ? file.Length : -1)}:{(file.Exists ? file.LastWriteTimeUtc.Ticks : 0)}",
                    byte[] bytes => "bytes:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)),
                    ReadOnlyMemory<byte> bytes => "bytes:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes.Span)),
                    Memory<byte> bytes => "bytes:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes.Span)),
                    _ => "stream",
                };
                hash.AppendData(System.Text.Encoding.UTF8.GetBytes("\n" + identity));
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The value's size when it is known without reading it; unknown sizes never count as small.</summary>
    private static long KnownSize(object value) => value switch
    {
        FileInfo file => file.Length,
        Stream { CanSeek: true } stream => stream.Length - stream.Position,
        ReadOnlyMemory<byte> bytes => bytes.Length,
        byte[] bytes => bytes.Length,
        Memory<byte> bytes => bytes.Length,
        _ => long.MaxValue,
    };

    private static async Task<string> UploadAsync(ReplicateTransport transport, object value, CancellationToken cancellationToken)
    {
        var file = value switch
        {
            FileInfo info => await FilesClient.UploadAsync(transport, info, null, cancellationToken).ConfigureAwait(false),
            Stream stream => await FilesClient.UploadAsync(transport, stream, null, cancellationToken).ConfigureAwait(false),
            _ => await FilesClient.UploadAsync(transport, AsMemory(value), null, cancellationToken).ConfigureAwait(false),
        };

        return file.Urls?.Get?.AbsoluteUri
            ?? throw new ReplicateException($"The Files API answered the upload of file {file.Id} without urls.get, so it cannot be passed as an input.");
    }

    /// <summary>Reads a file value (at most <paramref name="budget"/> bytes) and returns it as a base64 <c>data:</c> URI with its length.</summary>
    private static async Task<(string Uri, long Length)> EncodeAsync(object value, long budget, CancellationToken cancellationToken)
    {
        string? name = null;
        ReadOnlyMemory<byte> bytes;
        switch (value)
        {
            case FileInfo file:
                name = file.Name;
                var fileStream = new FileStream(file.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous);
                await using (fileStream.ConfigureAwait(false))
                {
                    bytes = await ReadBoundedAsync(fileStream, budget, cancellationToken).ConfigureAwait(false);
                }

                break;
            case Stream stream:
                name = (stream as FileStream)?.Name;
                bytes = await ReadBoundedAsync(stream, budget, cancellationToken).ConfigureAwait(false);
                break;
            default:
                bytes = AsMemory(value);
                if (bytes.Length > budget)
                {
                    throw TooLarge();
                }

                break;
        }

        var (_, contentType) = FilesClient.Describe(name is null ? null : Path.GetFileName(name), null, bytes.Span);
        return ("data:" + contentType + ";base64," + Convert.ToBase64String(bytes.Span), bytes.Length);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBoundedAsync(Stream stream, long budget, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(81920);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
            {
                if (buffer.Length + read > budget)
                {
                    throw TooLarge();
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    private static ArgumentException TooLarge() => new(
        $"The input's files are larger than the {MaxInlineBytes:N0} bytes that can be inlined as data: URIs in one request; " +
        "use FileEncodingStrategy.Upload (or Auto) to upload them through the Files API instead.", "input");

    private static ReadOnlyMemory<byte> AsMemory(object value) => value switch
    {
        byte[] array => array,
        Memory<byte> memory => memory,
        _ => (ReadOnlyMemory<byte>)value,
    };

    /// <summary>Copies <paramref name="json"/> with every placeholder string replaced by its URL as a JSON string.</summary>
    private ReadOnlyMemory<byte> Substitute(ReadOnlySpan<byte> json, string[] urls)
    {
        var marker = Encoding.UTF8.GetBytes("\"" + _prefix);
        var output = new ArrayBufferWriter<byte>(json.Length + urls.Sum(u => u.Length + 2));
        while (true)
        {
            var at = json.IndexOf(marker);
            if (at < 0)
            {
                output.Write(json);
                return output.WrittenMemory;
            }

            output.Write(json[..at]);
            var rest = json[(at + marker.Length)..];
            var close = rest.IndexOf((byte)'"');
            var index = int.Parse(Encoding.ASCII.GetString(rest[..close]), NumberStyles.None, CultureInfo.InvariantCulture);

            // URLs and base64 need no escaping; the relaxed encoder keeps '+' and '/' literal (the default would
            // bloat a data URI six-fold on every '+').
            var encoded = JsonEncodedText.Encode(urls[index], JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
            output.Write("\""u8);
            output.Write(encoded.EncodedUtf8Bytes);
            output.Write("\""u8);
            json = rest[(close + 1)..];
        }
    }
}
