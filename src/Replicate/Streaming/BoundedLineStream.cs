namespace Replicate;

/// <summary>
/// Guards the SSE parser against a hostile or broken server: a line or an event larger than the limit ends the stream
/// with an exception instead of growing a buffer without bound. Scanning for line ends is vectorized and cheap.
/// </summary>
internal sealed class BoundedLineStream(Stream inner, int maxEventBytes) : Stream
{
    private long _eventBytes;
    private bool _endsWithLineEnd;
    private bool _endsWithCarriageReturn;

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

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Most reads of a busy stream find their bytes already buffered (every read of an in-memory one): those are
        // checked and returned without an async state machine.
        var read = inner.ReadAsync(buffer, cancellationToken);
        if (!read.IsCompletedSuccessfully)
        {
            return CheckWhenReadAsync(read, buffer);
        }

        try
        {
            return new ValueTask<int>(Check(buffer.Span[..read.Result]));
        }
        catch (ReplicateException ex)
        {
            return ValueTask.FromException<int>(ex);
        }
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

    private async ValueTask<int> CheckWhenReadAsync(ValueTask<int> read, Memory<byte> buffer)
    {
        var count = await read.ConfigureAwait(false);
        return Check(buffer.Span[..count]);
    }

    private int Check(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        // Only a size cap: find where the last event in this read ended (a blank line, i.e. two line ends in a row:
        // LF LF, CR CR or LF CR, which also covers CRLF CRLF). One vectorized backward search per line end, and a read
        // usually ends with its event's blank line, so this touches a few bytes, not the whole read; a read with no
        // line end (a megabyte token) is scanned once.
        var end = LastBlankLine(data);
        var blankLineAcrossReads = _endsWithLineEnd
            && (data[0] is (byte)'\n' or (byte)'\r')
            && !(_endsWithCarriageReturn && data[0] == (byte)'\n');
        _eventBytes = end >= 0 ? data.Length - (end + 2)
            : blankLineAcrossReads ? data.Length - 1
            : _eventBytes + data.Length;
        _endsWithLineEnd = data[^1] is (byte)'\n' or (byte)'\r';
        _endsWithCarriageReturn = data[^1] == (byte)'\r';
        if (_eventBytes > maxEventBytes)
        {
            throw new ReplicateException(
                $"The stream sent an event larger than {Describe(maxEventBytes)}, the limit (ReplicateClientOptions.MaxStreamEventSize); refusing to buffer it. Raise the limit if the model's events are that large.");
        }

        return data.Length;
    }

    private static string Describe(int bytes) =>
        bytes % (1024 * 1024) == 0 ? $"{bytes / (1024 * 1024)} MiB" : $"{bytes} bytes";

    /// <summary>The index of the first of the two line ends that form the last blank line in <paramref name="data"/>, or -1.</summary>
    internal static int LastBlankLine(ReadOnlySpan<byte> data)
    {
        var at = data.Length;
        while ((at = data[..at].LastIndexOfAny((byte)'\n', (byte)'\r')) > 0)
        {
            // CR LF is one line end; any other pair of line-end bytes ends a line and then an empty one.
            var previous = data[at - 1];
            if (previous == (byte)'\n' || (previous == (byte)'\r' && data[at] == (byte)'\r'))
            {
                return at - 1;
            }
        }

        return -1;
    }
}
