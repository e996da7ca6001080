using Rewind.Engine;
using Rewind.Management.Scheduling;
using Rewind.Management.Tests.Scheduling;

namespace Rewind.Management.Tests.Site;

/// <summary>Schedules run by the site on an injected clock: scheduled snapshots, retention after each run, holds, prune --dry-run.</summary>
public sealed class SiteScheduleTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("rewind-sched-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task HourlySnapshotsKeepTheLastThreePlusHeldAndManualOnes()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 3, 1, 9, 30, 0, TimeSpan.Zero));
        using var site = Management.Site.Open(_root, new SiteOptions { Clock = clock, Zone = TimeZoneInfo.Utc, User = "ops" });
        site.CreateVolume("web", 1 << 20);
        await site.CreateSnapshotAsync("web", "baseline");
        var schedule = site.SetSchedule("web", "hourly", "last=3");
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero), schedule.NextRun);

        for (int hour = 10; hour <= 15; hour++)
        {
            var slot = new DateTimeOffset(2026, 3, 1, hour, 0, 0, TimeSpan.Zero);
            clock.AdvanceTo(slot);
            await site.RunScheduledAsync("web", slot);
            if (hour == 11) site.Hold("web", "auto-20260301T110000Z", "keep");
        }

        var names = site.ListSnapshots("web").Select(s => s.Name).ToList();
        Assert.Equal(["baseline", "auto-20260301T110000Z", "auto-20260301T130000Z", "auto-20260301T140000Z", "auto-20260301T150000Z"], names);
        var auto = site.GetSnapshot("web", "auto-20260301T150000Z");
        Assert.Equal("schedule:web", auto.CreatedBy);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 15, 0, 0, TimeSpan.Zero), auto.CreatedAt);
        Assert.Contains("hourly", auto.Reason);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 15, 0, 0, TimeSpan.Zero), Assert.Single(site.ListSchedules()).LastRun);

        // A stricter policy, shown but not applied.
        var dry = site.Prune("web", dryRun: true, policyText: "last=1");
        Assert.Equal(["auto-20260301T150000Z"], dry.Decisions.Where(d => d.Keep && !d.Reasons.Contains("held")).Select(d => d.Snapshot));
        Assert.Equal(2, dry.Decisions.Count(d => !d.Keep));
        Assert.Contains(dry.Decisions, d => d.Snapshot == "auto-20260301T110000Z" && d.Keep && d.Reasons.Contains("held"));
        Assert.Equal(5, site.ListSnapshots("web").Count);
        Assert.Contains(site.Audit.Read(), a => a.Operation == "prune" && a.User == "schedule:web");
    }

    [Fact]
    public async Task TheDaemonsSchedulerTakesAGroupSnapshotAtEachSlotAndOnceForRunsMissedWhileDown()
    {
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 3, 1, 23, 50, 0, TimeSpan.Zero));
        using var site = Management.Site.Open(_root, new SiteOptions { Clock = clock, Zone = TimeZoneInfo.Utc });
        site.CreateVolume("a", 1 << 20);
        site.CreateVolume("b", 1 << 20);
        site.CreateGroup("pair", ["a", "b"]);
        site.SetSchedule("pair", "daily", "daily=7");

        // Down for three days: at start the missed days run once, not three times.
        clock.AdvanceTo(new DateTimeOffset(2026, 3, 4, 12, 0, 0, TimeSpan.Zero));
        using var stop = new CancellationTokenSource();
        var runs = 0;
        var scheduler = new Scheduler(clock, TimeZoneInfo.Utc, site.ScheduledJobs,
            async (job, slot) => { await site.RunScheduledAsync(job.Id, slot); Interlocked.Increment(ref runs); });
        var loop = scheduler.RunAsync(stop.Token);
        await WaitFor(() => Volatile.Read(ref runs) == 1);
        Assert.Equal(["auto-20260304T000000Z"], site.ListGroupSnapshots("pair").Select(s => s.Name));

        clock.AdvanceTo(new DateTimeOffset(2026, 3, 5, 0, 0, 0, TimeSpan.Zero));
        await WaitFor(() => Volatile.Read(ref runs) == 2);
        Assert.Equal(["auto-20260305T000000Z", "auto-20260304T000000Z"], site.ListGroupSnapshots("pair").Select(s => s.Name));
        Assert.All(site.ListSnapshots("b"), s => Assert.Equal("pair", s.Group));
        stop.Cancel();
        try { await loop; } catch (OperationCanceledException) { }
    }

    [Fact]
    public void BadSchedulesAndPoliciesAreRefusedWithExamples()
    {
        using var site = Management.Site.Open(_root, new SiteOptions());
        site.CreateVolume("web", 1 << 20);
        var e = Assert.Throws<RewindException>(() => site.SetSchedule("web", "every blue moon", "last=3"));
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<RewindException>(() => site.SetSchedule("web", "daily", "forever=1")).Kind);
        Assert.Equal(ErrorKind.NotFound, Assert.Throws<RewindException>(() => site.SetSchedule("nope", "daily", "last=1")).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<RewindException>(() => site.Prune("web", dryRun: true)).Kind);
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the scheduler did not run in time");
            await Task.Delay(10);
        }
    }
}
