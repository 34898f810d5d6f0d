using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace Replicate.Tests.Infrastructure;

/// <summary>
/// Microsoft's <see cref="FakeTimeProvider"/> (time moves only when a test advances it), plus what a test reads to know
/// when to advance: the timers pending now and every wait the code under test asked for. <see cref="RunAsync(Task, TimeSpan?, TimeSpan?)"/>
/// drives the clock through a call's short waits (retry backoffs, poll intervals), so no test sleeps for them.
/// </summary>
public sealed class TestClock : FakeTimeProvider
{
    /// <summary>The waits <see cref="RunAsync(Task, TimeSpan?, TimeSpan?)"/> fires: the longest backoff or poll interval a test expects is 30 s.</summary>
    public static readonly TimeSpan ShortWait = TimeSpan.FromMinutes(1);

    private readonly object _gate = new();
    private readonly List<TimeSpan> _requested = [];
    private readonly HashSet<TrackedTimer> _pending = [];

    public TestClock()
    {
    }

    /// <summary>Every finite, non-zero due time given to a timer of this clock, in order (attempt timeouts included).</summary>
    public IReadOnlyList<TimeSpan> Requested
    {
        get
        {
            lock (_gate)
            {
                return [.. _requested];
            }
        }
    }

    /// <summary>Timers that will fire when the clock reaches their due time.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>How far the clock must move for the earliest pending timer to fire, or <see langword="null"/> when none is pending.</summary>
    public TimeSpan? NextTimer => NextWithin(TimeSpan.MaxValue);

    /// <summary>How far the clock must move for the earliest pending timer set for at most <paramref name="length"/> to fire.</summary>
    private TimeSpan? NextWithin(TimeSpan length)
    {
        lock (_gate)
        {
            var due = _pending.Where(t => t.Length <= length && t.Due != DateTimeOffset.MaxValue).Select(t => (DateTimeOffset?)t.Due).Min();
            return due - GetUtcNow();
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new TrackedTimer(this);
        timer.Inner = base.CreateTimer(
            s =>
            {
                timer.Fired();
                callback(s);
            },
            state,
            Timeout.InfiniteTimeSpan,
            Timeout.InfiniteTimeSpan);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>
    /// Waits for <paramref name="task"/>, and whenever a timer set for at most <paramref name="upTo"/> (default
    /// <see cref="ShortWait"/>: retry backoffs, poll intervals) is pending, advances the clock exactly to it. Timers set
    /// for longer (attempt timeouts, idle timeouts, a model's long run) are never advanced to, though they fire when
    /// the short waits carry the clock past them. Bounded: 100,000 advances and <paramref name="realTime"/> (default
    /// 60 s) of real time.
    /// </summary>
    public async Task RunAsync(Task task, TimeSpan? upTo = null, TimeSpan? realTime = null)
    {
        var limit = upTo ?? ShortWait;
        var realLimit = realTime ?? TimeSpan.FromSeconds(60);
        var started = Stopwatch.StartNew();
        for (var advances = 0; !task.IsCompleted;)
        {
            if (advances >= 100_000 || started.Elapsed > realLimit)
            {
                throw new TimeoutException($"Still running after {advances} advances of the fake clock and {started.Elapsed.TotalSeconds:0} s; timers pending: {PendingTimers}, next in {NextTimer}.");
            }

            if (NextWithin(limit) is { } next)
            {
                Advance(next > TimeSpan.Zero ? next : TimeSpan.Zero);
                advances++;
            }
            else
            {
                await Task.WhenAny(task, Task.Delay(2));
            }
        }

        await task;
    }

    /// <inheritdoc cref="RunAsync(Task, TimeSpan?, TimeSpan?)"/>
    public async Task<T> RunAsync<T>(Task<T> task, TimeSpan? upTo = null, TimeSpan? realTime = null)
    {
        await RunAsync((Task)task, upTo, realTime);
        return await task;
    }

    /// <summary>
    /// Advances the clock <paramref name="step"/> at a time, whatever is pending, until <paramref name="task"/> ends: time
    /// passing as on a wall clock, for a server gone silent whose idle timeout must fire. Bounded: 500 steps, 30 s of
    /// real time.
    /// </summary>
    public async Task StepUntilDoneAsync(Task task, TimeSpan step)
    {
        var started = Stopwatch.StartNew();
        for (var i = 0; i < 500 && !task.IsCompleted && started.Elapsed < TimeSpan.FromSeconds(30); i++)
        {
            Advance(step);
            await Task.WhenAny(task, Task.Delay(20));
        }

        await task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <inheritdoc cref="StepUntilDoneAsync(Task, TimeSpan)"/>
    public async Task<T> StepUntilDoneAsync<T>(Task<T> task, TimeSpan step)
    {
        await StepUntilDoneAsync((Task)task, step);
        return await task;
    }

    /// <summary>A timer of the base clock, watched: its due time while pending.</summary>
    private sealed class TrackedTimer(TestClock clock) : ITimer
    {
        private TimeSpan _period = Timeout.InfiniteTimeSpan;
        private bool _disposed;

        public ITimer Inner { get; set; } = null!;

        public DateTimeOffset Due { get; private set; }

        /// <summary>How long the timer was last set for.</summary>
        public TimeSpan Length { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            // The base clock counts whole milliseconds.
            var due = TimeSpan.FromMilliseconds((long)dueTime.TotalMilliseconds);
            var pending = dueTime != Timeout.InfiniteTimeSpan && (due > TimeSpan.Zero || IsPeriodic(period));
            lock (clock._gate)
            {
                if (_disposed)
                {
                    return false;
                }

                _period = period;
                Length = due > TimeSpan.Zero ? due : period;
                if (due > TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
                {
                    clock._requested.Add(dueTime);
                }

                // Not due before the base timer is set below: an advance in between must not count on it.
                Due = DateTimeOffset.MaxValue;
                if (pending)
                {
                    clock._pending.Add(this);
                }
                else
                {
                    clock._pending.Remove(this);
                }
            }

            // May fire right here (a due time of zero).
            var changed = Inner.Change(dueTime, period);
            lock (clock._gate)
            {
                if (pending && Due == DateTimeOffset.MaxValue && clock._pending.Contains(this))
                {
                    // Read after the base timer took its wake-up time from the clock, so never earlier than it.
                    Due = clock.GetUtcNow() + (due > TimeSpan.Zero ? due : TimeSpan.FromMilliseconds((long)period.TotalMilliseconds));
                }
            }

            return changed;
        }

        public void Fired()
        {
            lock (clock._gate)
            {
                if (IsPeriodic(_period))
                {
                    Due = clock.GetUtcNow() + TimeSpan.FromMilliseconds((long)_period.TotalMilliseconds);
                }
                else
                {
                    clock._pending.Remove(this);
                }
            }
        }

        public void Dispose()
        {
            lock (clock._gate)
            {
                _disposed = true;
                clock._pending.Remove(this);
            }

            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private static bool IsPeriodic(TimeSpan period) => period != Timeout.InfiniteTimeSpan && period > TimeSpan.Zero;
    }
}
