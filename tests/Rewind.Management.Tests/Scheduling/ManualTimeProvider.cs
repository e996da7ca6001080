namespace Rewind.Management.Tests.Scheduling;

/// <summary>
/// A clock that moves only when the test says so. Timers fire on the test's thread, in due order, when the clock is
/// advanced past their due time. <see cref="WhenTimersCreated"/> lets a test wait until the code under test has gone
/// back to sleep on a new timer, instead of sleeping itself.
/// </summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    readonly Lock _gate = new();
    readonly List<ManualTimer> _timers = new();
    readonly List<(int Count, TaskCompletionSource Signal)> _creationWaiters = new();
    DateTimeOffset _now = start;
    int _timersCreated;

    public override DateTimeOffset GetUtcNow() { lock (_gate) return _now; }
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public int TimersCreated { get { lock (_gate) return _timersCreated; } }

    public int ArmedTimers { get { lock (_gate) return _timers.Count(timer => timer.DueAt is not null); } }

    /// <summary>Completes once at least <paramref name="count"/> timers were created since the start.</summary>
    public Task WhenTimersCreated(int count)
    {
        lock (_gate)
        {
            if (_timersCreated >= count)
                return Task.CompletedTask;
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _creationWaiters.Add((count, signal));
            return signal.Task;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        List<TaskCompletionSource> reached;
        lock (_gate)
        {
            _timers.Add(timer);
            _timersCreated++;
            reached = _creationWaiters.Where(w => w.Count <= _timersCreated).Select(w => w.Signal).ToList();
            _creationWaiters.RemoveAll(w => w.Count <= _timersCreated);
        }
        timer.Change(dueTime, period);
        reached.ForEach(signal => signal.SetResult());
        return timer;
    }

    /// <summary>Moves the clock to the earliest armed timer's due time and fires what is due; returns how many fired.</summary>
    public int AdvanceToNextTimer()
    {
        DateTimeOffset? next;
        lock (_gate)
            next = _timers.Select(timer => timer.DueAt).Where(due => due is not null).Min();
        if (next is null)
            throw new InvalidOperationException("No timer is armed: nothing is waiting on this clock.");
        return AdvanceTo(next.Value);
    }

    /// <summary>Moves the clock to <paramref name="when"/> (never backwards) and fires what is due; returns how many fired.</summary>
    public int AdvanceTo(DateTimeOffset when)
    {
        lock (_gate)
            if (when > _now)
                _now = when;
        int fired = 0;
        while (true)
        {
            ManualTimer? due;
            lock (_gate)
            {
                due = _timers.Where(timer => timer.DueAt <= _now).MinBy(timer => timer.DueAt);
                if (due is not null)
                    due.DueAt = due.Period <= TimeSpan.Zero ? null : due.DueAt + due.Period; // one-shot timers disarm
            }
            if (due is null)
                return fired;
            due.Callback(due.State); // outside the lock: the callback may create, change or dispose timers
            fired++;
        }
    }

    internal bool Change(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            if (!_timers.Contains(timer))
                return false;
            timer.Period = period;
            timer.DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : _now + dueTime;
        }
        if (dueTime == TimeSpan.Zero) // due now: fire without waiting for the test to move the clock
            ThreadPool.QueueUserWorkItem(_ => AdvanceTo(GetUtcNow()));
        return true;
    }

    internal void Remove(ManualTimer timer)
    {
        lock (_gate)
            _timers.Remove(timer);
    }
}

/// <summary>A timer of <see cref="ManualTimeProvider"/>; its due time and period are guarded by the provider's lock.</summary>
internal sealed class ManualTimer(ManualTimeProvider clock, TimerCallback callback, object? state) : ITimer
{
    public TimerCallback Callback => callback;
    public object? State => state;
    public DateTimeOffset? DueAt { get; set; }
    public TimeSpan Period { get; set; } = Timeout.InfiniteTimeSpan;

    public bool Change(TimeSpan dueTime, TimeSpan period) => clock.Change(this, dueTime, period);

    public void Dispose() => clock.Remove(this);

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
