namespace Replicate;

/// <summary>
/// A response body that gives up on a server that sent headers and then nothing: a read that waits longer than the idle
/// timeout fails with <see cref="IOException"/>, the same as a dropped connection, so a stream resumes and a download
/// fails instead of hanging forever. Any bytes (an SSE keep-alive comment too) count as life. One timer per body,
/// not per read: a read costs a timestamp and two writes.
/// </summary>
internal sealed class IdleTimeoutStream : Stream
{
    private readonly Stream _inner;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly ITimer? _watchdog;
    private long _readStartedAt;
    private int _reading;
    private volatile bool _timedOut;

    private IdleTimeoutStream(Stream inner, TimeSpan timeout, TimeProvider time)
    {
        _inner = inner;
        _timeout = timeout;
        _time = time;

        // Checked four times per timeout: a silent read fails between 1 and 1.25 timeouts after it started.
        var period = timeout / 4;
        _watchdog = time.CreateTimer(static state => ((IdleTimeoutStream)state!).Check(), this, period, period);
    }

    /// <summary>Wraps <paramref name="inner"/>, or returns it as is when <paramref name="timeout"/> is infinite.</summary>
    public static Stream Wrap(Stream inner, TimeSpan timeout, TimeProvider time) =>
        timeout == Timeout.InfiniteTimeSpan ? inner : new IdleTimeoutStream(inner, timeout, time);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _inner.Length;

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        Start();
        try
        {
            return _inner.Read(buffer);
        }
        catch (Exception ex) when (_timedOut)
        {
            throw TimedOut(ex);
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Start();
        ValueTask<int> read;
        try
        {
            read = _inner.ReadAsync(buffer, cancellationToken);
        }
        catch (Exception ex) when (_timedOut)
        {
            Volatile.Write(ref _reading, 0);
            throw TimedOut(ex);
        }

        if (read.IsCompletedSuccessfully)
        {
            Volatile.Write(ref _reading, 0);
            return read;
        }

        return AwaitAsync(read);
    }

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
            _watchdog?.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_watchdog is not null)
        {
            await _watchdog.DisposeAsync().ConfigureAwait(false);
        }

        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask<int> AwaitAsync(ValueTask<int> read)
    {
        try
        {
            return await read.ConfigureAwait(false);
        }
        catch (Exception ex) when (_timedOut)
        {
            throw TimedOut(ex);
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }

    private void Start()
    {
        if (_timedOut)
        {
            throw TimedOut(null);
        }

        Volatile.Write(ref _readStartedAt, _time.GetTimestamp());
        Volatile.Write(ref _reading, 1);
    }

    private void Check()
    {
        // Only a read in progress can be idle: a caller that is busy elsewhere is not the server's silence.
        if (Volatile.Read(ref _reading) == 0 || _time.GetElapsedTime(Volatile.Read(ref _readStartedAt)) < _timeout)
        {
            return;
        }

        _timedOut = true;
        _watchdog?.Dispose();

        // Disposing the body aborts the pending read; the reader then sees TimedOut's IOException.
        _inner.Dispose();
    }

    private IOException TimedOut(Exception? inner) => new(
        $"No data arrived for {_timeout.TotalSeconds:0.#} s (ReplicateClientOptions.StreamIdleTimeout); the connection is treated as dropped.", inner);
}
