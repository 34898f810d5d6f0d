namespace Replicate;

/// <summary>
/// Guards the SSE parser against a hostile or broken server: a line or an event larger than the limit ends the stream
/// with an exception instead of growing a buffer without bound. Scanning for line ends is vectorized and cheap.
/// </summary>
internal sealed class BoundedLineStream(Stream inner, int maxEventBytes) : Stream
{
    private long _eventBytes;
    private long _lineBytes;
    private bool _pendingCarriageReturn;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Check(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Check(buffer.Span[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

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
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private int Check(ReadOnlySpan<byte> data)
    {
        // An event ends at a blank line. Count the bytes of the current event; a CR LF pair is one line end.
        var remaining = data;
        while (!remaining.IsEmpty)
        {
            if (_pendingCarriageReturn && remaining[0] == (byte)'\n')
            {
                _pendingCarriageReturn = false;
                remaining = remaining[1..];
                continue;
            }

            _pendingCarriageReturn = false;
            var end = remaining.IndexOfAny((byte)'\n', (byte)'\r');
            if (end < 0)
            {
                _eventBytes += remaining.Length;
                _lineBytes += remaining.Length;
                break;
            }

            _lineBytes += end;
            _eventBytes = _lineBytes == 0 ? 0 : _eventBytes + end + 1;
            _lineBytes = 0;
            _pendingCarriageReturn = remaining[end] == (byte)'\r';
            remaining = remaining[(end + 1)..];
        }

        if (_eventBytes > maxEventBytes)
        {
            throw new ReplicateException($"The stream sent an event larger than {maxEventBytes / (1024 * 1024)} MiB; refusing to buffer it.");
        }

        return data.Length;
    }
}
