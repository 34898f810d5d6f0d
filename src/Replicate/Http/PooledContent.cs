using System.Buffers;
using System.Net;

namespace Replicate;

/// <summary>
/// A response body read into a rented buffer, so buffering API responses (to retry cut bodies) costs no allocation per
/// request. The buffer goes back to the pool when the response is disposed; the transport deserializes straight from
/// <see cref="Memory"/> before that. <see cref="Writer"/> is the rented scratch buffer JSON is written into.
/// </summary>
internal sealed class PooledContent : HttpContent
{
    private byte[]? _buffer;
    private readonly int _length;

    private PooledContent(byte[] buffer, int length)
    {
        _buffer = buffer;
        _length = length;
    }

    public ReadOnlyMemory<byte> Memory => _buffer is { } buffer ? buffer.AsMemory(0, _length) : throw new ObjectDisposedException(nameof(PooledContent));

    /// <summary>Reads <paramref name="source"/> to its end, failing past <paramref name="maxBytes"/> or short of a declared length.</summary>
    public static async ValueTask<PooledContent> ReadAsync(Stream source, long? declaredLength, int maxBytes, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(declaredLength is > 0 ? (int)declaredLength.Value : 4096);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= maxBytes)
                    {
                        throw new ReplicateException($"The response to {RetryHandler.Describe(response)} is larger than the {maxBytes / (1024 * 1024)} MiB an API response may have; refusing to buffer it.");
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await source.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            if (declaredLength is { } declared && length < declared)
            {
                throw new HttpRequestException(HttpRequestError.ResponseEnded, $"The response ended after {length} of the {declared} bytes it declared.");
            }

            return new PooledContent(buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        stream.WriteAsync(Memory).AsTask();

    protected override Task<Stream> CreateContentReadStreamAsync() =>
        Task.FromResult<Stream>(new MemoryStream(_buffer ?? throw new ObjectDisposedException(nameof(PooledContent)), 0, _length, writable: false));

    protected override bool TryComputeLength(out long length)
    {
        length = _length;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        base.Dispose(disposing);
    }

    /// <summary>A scratch buffer from the pool to write into; what is written is copied out before it is disposed.</summary>
    internal sealed class Writer(int initialSize) : IBufferWriter<byte>, IDisposable
    {
        private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(initialSize);
        private int _written;

        public ReadOnlySpan<byte> WrittenSpan => (_buffer ?? throw new ObjectDisposedException(nameof(Writer))).AsSpan(0, _written);

        public void Advance(int count) => _written += count;

        /// <summary>Forgets what was written, keeping the buffer.</summary>
        public void Clear() => _written = 0;

        public Memory<byte> GetMemory(int sizeHint = 0) => Ensure(sizeHint).AsMemory(_written);

        public Span<byte> GetSpan(int sizeHint = 0) => Ensure(sizeHint).AsSpan(_written);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        private byte[] Ensure(int sizeHint)
        {
            var buffer = _buffer ?? throw new ObjectDisposedException(nameof(Writer));
            if (buffer.Length - _written >= Math.Max(sizeHint, 1))
            {
                return buffer;
            }

            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, _written + sizeHint));
            buffer.AsSpan(0, _written).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(buffer);
            return _buffer = larger;
        }
    }
}
