namespace Rewind.Management.Scheduling;

/// <summary>
/// The daemon's scheduling loop. Each pass asks <c>jobs()</c> for the current jobs, runs every due job through
/// <c>run(job, slot)</c> one at a time (awaited), then sleeps until the next wake or until <see cref="Poke"/>.
/// <para>The caller records <see cref="ScheduledJob.LastRun"/> = slot in its own store. The loop also remembers the
/// slot it served for each job, so a run that failed (reported through <c>onError</c>; the loop goes on) or whose
/// store update has not landed yet is not repeated: it runs again at the job's next fire time.</para>
/// <para>All waiting goes through the <see cref="TimeProvider"/>, so tests drive it with a manual clock. A single sleep
/// is at most <see cref="MaxSleep"/>: timers follow the monotonic clock, and re-reading the wall clock that often keeps
/// a wall-clock jump (NTP step, host resume) from delaying a job by more than that.</para>
/// </summary>
public sealed class Scheduler
{
    internal static readonly TimeSpan MaxSleep = TimeSpan.FromMinutes(1);

    readonly TimeProvider _clock;
    readonly TimeZoneInfo _zone;
    readonly Func<IReadOnlyList<ScheduledJob>> _jobs;
    readonly Func<ScheduledJob, DateTimeOffset, Task> _run;
    readonly Action<ScheduledJob, Exception>? _onError;
    readonly Dictionary<string, DateTimeOffset> _servedSlots = new(StringComparer.Ordinal); // touched only by the loop
    TaskCompletionSource _poked = NewPokeSignal();

    /// <param name="clock">Time source for "now" and for sleeping.</param>
    /// <param name="zone">Zone whose wall clock the schedules are read in.</param>
    /// <param name="jobs">Returns the current jobs; called once per pass. An exception from it ends <see cref="RunAsync"/> with that exception.</param>
    /// <param name="run">Runs one job for the fire time it serves.</param>
    /// <param name="onError">Told about an exception from <paramref name="run"/>; must not throw.</param>
    public Scheduler(TimeProvider clock, TimeZoneInfo zone, Func<IReadOnlyList<ScheduledJob>> jobs,
                     Func<ScheduledJob, DateTimeOffset, Task> run, Action<ScheduledJob, Exception>? onError = null)
    {
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _zone = zone ?? throw new ArgumentNullException(nameof(zone));
        _jobs = jobs ?? throw new ArgumentNullException(nameof(jobs));
        _run = run ?? throw new ArgumentNullException(nameof(run));
        _onError = onError;
    }

    /// <summary>Runs the loop until <paramref name="ct"/> is cancelled; then the task completes (without throwing).</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                // Taken before reading the jobs: a Poke from now on wakes the sleep below, one before it is already seen.
                var poked = Volatile.Read(ref _poked).Task;
                var jobs = _jobs();
                ForgetRemovedJobs(jobs);

                foreach (var job in jobs)
                {
                    ct.ThrowIfCancellationRequested();
                    if (ScheduleMath.IsDue(WithServedSlot(job), _clock.GetUtcNow(), _zone, out var slot))
                        await RunOneAsync(job, slot, ct).ConfigureAwait(false);
                }

                var now = _clock.GetUtcNow();
                var wake = ScheduleMath.NextWake(jobs.Select(WithServedSlot), now, _zone);
                await SleepAsync(wake - now, poked, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    /// <summary>Wakes the loop to re-read the jobs (call after adding, changing or removing one). Safe from any thread.</summary>
    public void Poke() => Interlocked.Exchange(ref _poked, NewPokeSignal()).TrySetResult();

    async Task RunOneAsync(ScheduledJob job, DateTimeOffset slot, CancellationToken ct)
    {
        try
        {
            await _run(job, slot).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception error)
        {
            _onError?.Invoke(job, error);
        }
        _servedSlots[job.Id] = slot;
    }

    async Task SleepAsync(TimeSpan delay, Task poked, CancellationToken ct)
    {
        if (delay <= TimeSpan.Zero)
            return;
        if (delay > MaxSleep)
            delay = MaxSleep;
        // Whole milliseconds, rounded up: a timer that rounds down would wake just before the fire time.
        delay = TimeSpan.FromMilliseconds(Math.Ceiling(delay.TotalMilliseconds));

        using var sleepOrStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sleep = Task.Delay(delay, _clock, sleepOrStop.Token);
        await Task.WhenAny(sleep, poked).ConfigureAwait(false);
        sleepOrStop.Cancel(); // releases the timer when a poke ended the sleep
        ct.ThrowIfCancellationRequested();
    }

    ScheduledJob WithServedSlot(ScheduledJob job) =>
        _servedSlots.TryGetValue(job.Id, out var served) && (job.LastRun is null || job.LastRun < served)
            ? job with { LastRun = served }
            : job;

    void ForgetRemovedJobs(IReadOnlyList<ScheduledJob> jobs)
    {
        if (_servedSlots.Count == 0)
            return;
        var current = jobs.Select(job => job.Id).ToHashSet(StringComparer.Ordinal);
        foreach (string id in _servedSlots.Keys.Where(id => !current.Contains(id)).ToList())
            _servedSlots.Remove(id);
    }

    static TaskCompletionSource NewPokeSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
