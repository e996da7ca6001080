using Rewind.Management.Scheduling;
using static Rewind.Management.Tests.Scheduling.TestTime;

namespace Rewind.Management.Tests.Scheduling;

/// <summary>The scheduler loop on a manual clock: every step waits for the loop to go back to sleep, never for real time.</summary>
public class SchedulerLoopTests
{
    [Fact]
    public async Task RunsAJobAtEachFireTimeAsTheClockAdvances()
    {
        await using var harness = new SchedulerHarness(At("2025-03-10 09:58 +00:00"), Zones.Utc);
        harness.AddJob(new ScheduledJob("pool/vol", Schedule.Parse("every 15m"), LastRun: null, CreatedAt: At("2025-03-10 09:50 +00:00")));

        await harness.StartAsync();
        Assert.Empty(harness.Runs);

        await harness.AdvanceUntilAsync(At("2025-03-10 11:00 +00:00"));

        // Each run happened exactly when its slot came, not a minute late and not twice.
        Assert.Equal(["10:00 at 10:00", "10:15 at 10:15", "10:30 at 10:30", "10:45 at 10:45", "11:00 at 11:00"],
                     harness.Runs.Select(run => $"{run.Slot:HH:mm} at {run.Now:HH:mm}"));
        Assert.Empty(harness.Errors);
    }

    [Fact]
    public async Task AfterDowntimeSpanningFiveFireTimesTheJobRunsOnceAtStart()
    {
        // Last run 10:00, daemon back at 15:30: 11, 12, 13, 14 and 15 o'clock were missed.
        await using var harness = new SchedulerHarness(At("2025-03-10 15:30 +00:00"), Zones.Utc);
        harness.AddJob(new ScheduledJob("pool/vol", Schedule.Parse("hourly"), LastRun: At("2025-03-10 10:00 +00:00"), CreatedAt: At("2025-03-01 00:00 +00:00")));

        await harness.StartAsync();
        Assert.Equal(["15:00 at 15:30"], harness.Runs.Select(run => $"{run.Slot:HH:mm} at {run.Now:HH:mm}"));

        await harness.AdvanceUntilAsync(At("2025-03-10 16:00 +00:00"));
        Assert.Equal(["15:00 at 15:30", "16:00 at 16:00"], harness.Runs.Select(run => $"{run.Slot:HH:mm} at {run.Now:HH:mm}"));
    }

    [Fact]
    public async Task PokePicksUpANewlyAddedJobWithoutTheClockMoving()
    {
        await using var harness = new SchedulerHarness(At("2025-03-10 10:07 +00:00"), Zones.Utc);
        await harness.StartAsync();

        // Created at 09:40, so 09:45 and 10:00 have passed: it is due at once, for 10:00.
        harness.AddJob(new ScheduledJob("group/web", Schedule.Parse("every 15m"), LastRun: null, CreatedAt: At("2025-03-10 09:40 +00:00")));
        await harness.PokeAsync();

        Assert.Equal([("group/web", "10:00 at 10:07")], harness.Runs.Select(run => (run.Id, $"{run.Slot:HH:mm} at {run.Now:HH:mm}")));
        Assert.Equal(1, harness.Clock.ArmedTimers); // the poke released the sleep it interrupted

        await harness.AdvanceUntilAsync(At("2025-03-10 10:15 +00:00"));
        Assert.Equal(["10:00 at 10:07", "10:15 at 10:15"], harness.Runs.Select(run => $"{run.Slot:HH:mm} at {run.Now:HH:mm}"));
    }

    [Fact]
    public async Task AnExceptionFromRunIsReportedAndTheLoopGoesOn()
    {
        await using var harness = new SchedulerHarness(At("2025-03-10 10:59 +00:00"), Zones.Utc);
        var created = At("2025-03-01 00:00 +00:00");
        harness.AddJob(new ScheduledJob("failing", Schedule.Parse("hourly"), At("2025-03-10 10:00 +00:00"), created));
        harness.AddJob(new ScheduledJob("healthy", Schedule.Parse("hourly"), At("2025-03-10 10:00 +00:00"), created));
        var failure = new InvalidOperationException("pool is read-only");
        harness.BeforeRun = (job, slot) =>
        {
            if (job.Id == "failing" && slot == At("2025-03-10 11:00 +00:00"))
                throw failure;
        };

        await harness.StartAsync();
        await harness.AdvanceUntilAsync(At("2025-03-10 11:05 +00:00"));

        var error = Assert.Single(harness.Errors);
        Assert.Equal("failing", error.Id);
        Assert.Same(failure, error.Error);
        // The failed run stored no LastRun, yet the loop did not retry it every pass: one attempt per slot.
        Assert.Equal(["failing 11:00", "healthy 11:00"], harness.Runs.Select(run => $"{run.Id} {run.Slot:HH:mm}"));

        await harness.AdvanceUntilAsync(At("2025-03-10 12:00 +00:00"));
        Assert.Equal(["failing 11:00", "healthy 11:00", "failing 12:00", "healthy 12:00"], harness.Runs.Select(run => $"{run.Id} {run.Slot:HH:mm}"));
        Assert.Single(harness.Errors);
    }

    [Fact]
    public async Task ASleepNeverExceedsAMinuteSoAWallClockJumpIsNoticedSoon()
    {
        await using var harness = new SchedulerHarness(At("2025-03-10 10:00 +00:00"), Zones.Utc);
        harness.AddJob(new ScheduledJob("pool/vol", Schedule.Parse("daily"), LastRun: At("2025-03-10 00:00 +00:00"), CreatedAt: At("2025-03-01 00:00 +00:00")));

        await harness.StartAsync();
        await harness.AdvanceToNextWakeAsync();

        Assert.Equal("2025-03-10 10:01 +00:00", Show(harness.Clock.GetUtcNow()));
        Assert.Empty(harness.Runs);
    }

    [Fact]
    public async Task SchedulesFollowTheZonesWallClock()
    {
        // Midnight in Berlin on 11 March 2025 is 23:00 UTC on the 10th.
        await using var harness = new SchedulerHarness(At("2025-03-10 22:58 +00:00"), Zones.Berlin);
        harness.AddJob(new ScheduledJob("pool/vol", Schedule.Parse("daily"), LastRun: null, CreatedAt: At("2025-03-10 12:00 +00:00")));

        await harness.StartAsync();
        await harness.AdvanceUntilAsync(At("2025-03-10 23:00 +00:00"));

        var run = Assert.Single(harness.Runs);
        Assert.Equal("2025-03-11 00:00 +01:00", Show(run.Slot));
        Assert.Equal(At("2025-03-10 23:00 +00:00"), run.Now);
    }

    [Fact]
    public async Task CancellingEndsTheLoopWithoutAnException()
    {
        await using var harness = new SchedulerHarness(At("2025-03-10 10:00 +00:00"), Zones.Utc);
        await harness.StartAsync();

        await harness.StopAsync();

        Assert.Equal(TaskStatus.RanToCompletion, harness.Loop.Status);
        Assert.Equal(0, harness.Clock.ArmedTimers);
    }
}
