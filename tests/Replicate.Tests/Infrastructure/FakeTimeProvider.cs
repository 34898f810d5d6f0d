namespace Replicate.Tests.Infrastructure;

/// <summary>
/// A clock that tests control, so retries, polls and timeouts never sleep. Timers due within <see cref="AutoAdvanceLimit"/>
/// fire at once (the clock jumps forward by their delay) and their delays are recorded; longer ones (attempt
/// timeouts) wait for <see cref="Advance"/>.
/// </summary>
public sealed class FakeTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<FakeTimer> _timers = [];
    private readonly List<TimeSpan> _delays = [];
    private DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider()
    {
    }

    /// <summary>Starts the clock at <paramref name="start"/>.</summary>
    public FakeTimeProvider(DateTimeOffset start) => _now = start;

    /// <summary>Timers due within this fire immediately; <see cref="TimeSpan.Zero"/> disables auto-advance.</summary>
    public TimeSpan AutoAdvanceLimit { get; set; } = TimeSpan.FromMinutes(1);

    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (_gate)
            {
                return [.. _delays];
            }
        }
    }

    public int PendingTimers
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count(t => t.Due is not null);
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    public void Advance(TimeSpan by)
    {
        List<FakeTimer> due;
        lock (_gate)
        {
            _now += by;
            due = _timers.Where(t => t.Due <= _now).OrderBy(t => t.Due).ToList();
            foreach (var timer in due)
            {
                timer.Due = timer.Period > TimeSpan.Zero && timer.Period != Timeout.InfiniteTimeSpan ? _now + timer.Period : null;
            }
        }

        foreach (var timer in due)
        {
            timer.Fire();
        }
    }

    private void Schedule(FakeTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        var fireNow = false;
        List<FakeTimer>? due = null;
        lock (_gate)
        {
            timer.Period = period;
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                timer.Due = null;
                _timers.Remove(timer);
                return;
            }

            _delays.Add(dueTime);
            if (AutoAdvanceLimit > TimeSpan.Zero && dueTime <= AutoAdvanceLimit)
            {
                _now += dueTime;
                timer.Due = null;
                _timers.Remove(timer);
                fireNow = true;

                // Jumping the clock also reaches longer timers (a model sleeping ten minutes while a client polls).
                due = _timers.Where(t => t.Due <= _now).OrderBy(t => t.Due).ToList();
                foreach (var other in due)
                {
                    other.Due = other.Period > TimeSpan.Zero && other.Period != Timeout.InfiniteTimeSpan ? _now + other.Period : null;
                }
            }
            else
            {
                timer.Due = _now + dueTime;
                if (!_timers.Contains(timer))
                {
                    _timers.Add(timer);
                }
            }
        }

        if (fireNow)
        {
            // Never call back on the thread that created the timer: callers are not ready for re-entrancy.
            ThreadPool.QueueUserWorkItem(_ =>
            {
                timer.Fire();
                foreach (var other in due ?? [])
                {
                    other.Fire();
                }
            });
        }
    }

    private void Remove(FakeTimer timer)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class FakeTimer(FakeTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private bool _disposed;

        public DateTimeOffset? Due { get; set; }

        public TimeSpan Period { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_disposed)
            {
                return false;
            }

            owner.Schedule(this, dueTime, period);
            return true;
        }

        public void Fire()
        {
            if (!_disposed)
            {
                callback(state);
            }
        }

        public void Dispose()
        {
            _disposed = true;
            owner.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
