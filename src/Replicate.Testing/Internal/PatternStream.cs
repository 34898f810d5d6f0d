namespace Replicate.Testing.Internal;

/// <summary>
/// A read-only, seekable stream of a given length whose byte at position i is <c>(byte)(i % 251)</c>. It holds
/// no content, so a 1 GiB download costs no memory, and any range can be checked without the original. 251 is
/// prime, so the pattern never lines up with power-of-two buffer sizes and misplaced chunks are detected.
/// </summary>
internal sealed class PatternStream : Stream
{
    private const int Period = 251;

    // The pattern repeated enough times that any read up to 64 KiB is a single span copy from some offset.
    private static readonly byte[] Pattern = BuildPattern();

    private readonly long _length;
    private long _position;

    public PatternStream(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _length = length;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var remaining = _length - _position;
        if (remaining <= 0)
        {
            return 0;
        }

        var total = (int)Math.Min(buffer.Length, remaining);
        var written = 0;
        while (written < total)
        {
            var start = (int)((_position + written) % Period);
            var n = Math.Min(total - written, Pattern.Length - start);
            Pattern.AsSpan(start, n).CopyTo(buffer[written..]);
            written += n;
        }

        _position += total;
        return total;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        cancellationToken.IsCancellationRequested
            ? ValueTask.FromCanceled<int>(cancellationToken)
            : new ValueTask<int>(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        var target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        Position = target;
        return target;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private static byte[] BuildPattern()
    {
        var bytes = new byte[Period * 262]; // > 64 KiB + one period
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i % Period);
        }

        return bytes;
    }
}
