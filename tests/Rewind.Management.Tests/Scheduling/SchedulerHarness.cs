using Rewind.Management.Scheduling;

namespace Rewind.Management.Tests.Scheduling;

/// <summary>
/// Runs a <see cref="Scheduler"/> on a <see cref="ManualTimeProvider"/> over an in-memory job store. Each step (start,
/// advance, poke) returns once the loop has finished its pass and gone back to sleep on a new timer, so a test can
/// assert on <see cref="Runs"/> without sleeping. The deadline only keeps a broken loop from hanging the test run.
/// </summary>
internal sealed class SchedulerHarness : IAsyncDisposable
{
    static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    readonly Lock _gate = new();
    readonly List<ScheduledJob> _jobs = new();
    readonly List<(string Id, DateTimeOffset Slot, DateTimeOffset Now)> _runs = new();
    readonly List<(string Id, Exception Error)> _errors = new();
    readonly CancellationTokenSource _stop = new();
    readonly Scheduler _scheduler;
    Task? _loop;

    public SchedulerHarness(DateTimeOffset start, TimeZoneInfo zone)
    {
        Clock = new ManualTimeProvider(start);
        _scheduler = new Scheduler(Clock, zone, CurrentJobs, RunAsync, (job, error) => { lock (_gate) _errors.Add((job.Id, error)); });
    }

    public ManualTimeProvider Clock { get; }

    /// <summary>Called before a run is recorded; throw to make the run fail (its LastRun is then not stored).</summary>
    public Action<ScheduledJob, DateTimeOffset>? BeforeRun { get; set; }

    public IReadOnlyList<(string Id, DateTimeOffset Slot, DateTimeOffset Now)> Runs { get { lock (_gate) return _runs.ToList(); } }
    public IReadOnlyList<(string Id, Exception Error)> Errors { get { lock (_gate) return _errors.ToList(); } }
    public Task Loop => _loop ?? throw new InvalidOperationException("Not started.");

    public void AddJob(ScheduledJob job) { lock (_gate) _jobs.Add(job); }

    public Task StartAsync() => StepAsync(() => _loop = Task.Run(() => _scheduler.RunAsync(_stop.Token)));

    /// <summary>Moves the clock to the loop's wake-up time and waits for the pass that follows.</summary>
    public Task AdvanceToNextWakeAsync() => StepAsync(() => Clock.AdvanceToNextTimer());

    /// <summary>Advances wake by wake until the clock reaches <paramref name="until"/>.</summary>
    public async Task AdvanceUntilAsync(DateTimeOffset until)
    {
        while (Clock.GetUtcNow() < until)
            await AdvanceToNextWakeAsync();
    }

    public Task PokeAsync() => StepAsync(_scheduler.Poke);

    public Task StopAsync()
    {
        _stop.Cancel();
        return Loop.WaitAsync(Deadline);
    }

    async Task StepAsync(Action step)
    {
        int created = Clock.TimersCreated;
        step();
        var slept = Clock.WhenTimersCreated(created + 1);
        // If the loop died, surface its exception rather than waiting out the deadline.
        var first = await Task.WhenAny(slept, _loop ?? slept).WaitAsync(Deadline);
        await first;
        if (first != slept)
            throw new InvalidOperationException("The scheduler loop ended unexpectedly.");
    }

    IReadOnlyList<ScheduledJob> CurrentJobs() { lock (_gate) return _jobs.ToList(); }

    async Task RunAsync(ScheduledJob job, DateTimeOffset slot)
    {
        var now = Clock.GetUtcNow();
        // Off the test's thread from here: a loop that never went back to sleep would otherwise spin inside
        // AdvanceTo, out of reach of the deadline.
        await Task.Yield();
        lock (_gate)
            _runs.Add((job.Id, slot, now));
        BeforeRun?.Invoke(job, slot);
        lock (_gate)
            _jobs[_jobs.FindIndex(j => j.Id == job.Id)] = job with { LastRun = slot };
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_loop is not null)
            await _loop.WaitAsync(Deadline);
        _stop.Dispose();
    }
}
