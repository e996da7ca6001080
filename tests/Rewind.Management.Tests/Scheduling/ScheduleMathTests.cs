using Rewind.Management.Scheduling;
using static Rewind.Management.Tests.Scheduling.TestTime;

namespace Rewind.Management.Tests.Scheduling;

public class ScheduleMathTests
{
    static readonly Schedule Hourly = Schedule.Parse("hourly");

    [Fact]
    public void ANewJobFirstRunsAtTheFirstFireTimeAfterItWasCreated()
    {
        var job = new ScheduledJob("pool/vol", Hourly, LastRun: null, CreatedAt: At("2025-03-10 10:20 +00:00"));

        Assert.False(ScheduleMath.IsDue(job, At("2025-03-10 10:59 +00:00"), Zones.Utc, out _));
        Assert.Equal("2025-03-10 11:00 +00:00", Show(ScheduleMath.NextWake([job], At("2025-03-10 10:59 +00:00"), Zones.Utc)));
        Assert.True(ScheduleMath.IsDue(job, At("2025-03-10 11:00 +00:00"), Zones.Utc, out var slot));
        Assert.Equal("2025-03-10 11:00 +00:00", Show(slot));
    }

    [Fact]
    public void AJobCreatedExactlyAtAFireTimeDoesNotServeIt()
    {
        var job = new ScheduledJob("pool/vol", Hourly, LastRun: null, CreatedAt: At("2025-03-10 10:00 +00:00"));
        Assert.False(ScheduleMath.IsDue(job, At("2025-03-10 10:00 +00:00"), Zones.Utc, out _));
        Assert.Equal("2025-03-10 11:00 +00:00", Show(ScheduleMath.NextWake([job], At("2025-03-10 10:00 +00:00"), Zones.Utc)));
    }

    [Fact]
    public void ANewJobWhoseFirstFireTimeHasPassedRunsOnceForTheLatestSlot()
    {
        var job = new ScheduledJob("pool/vol", Hourly, LastRun: null, CreatedAt: At("2025-03-10 10:20 +00:00"));
        Assert.True(ScheduleMath.IsDue(job, At("2025-03-10 13:10 +00:00"), Zones.Utc, out var slot));
        Assert.Equal("2025-03-10 13:00 +00:00", Show(slot));
    }

    [Fact]
    public void FireTimesMissedDuringDowntimeRunOnceThenTheScheduleResumes()
    {
        // Down from 10:00 to 15:30: 11, 12, 13, 14 and 15 o'clock were missed.
        var job = new ScheduledJob("pool/vol", Hourly, LastRun: At("2025-03-10 10:00 +00:00"), CreatedAt: At("2025-03-01 00:00 +00:00"));
        var now = At("2025-03-10 15:30 +00:00");

        Assert.True(ScheduleMath.IsDue(job, now, Zones.Utc, out var slot));
        Assert.Equal("2025-03-10 15:00 +00:00", Show(slot));
        Assert.Equal(now, ScheduleMath.NextWake([job], now, Zones.Utc));

        var served = job with { LastRun = slot };
        Assert.False(ScheduleMath.IsDue(served, now, Zones.Utc, out _));
        Assert.Equal("2025-03-10 16:00 +00:00", Show(ScheduleMath.NextWake([served], now, Zones.Utc)));
    }

    [Fact]
    public void NextWakeIsTheEarliestJobAndMaxValueWithoutJobs()
    {
        var created = At("2025-03-01 00:00 +00:00");
        var now = At("2025-03-10 10:07 +00:00");
        ScheduledJob[] jobs =
        [
            new("daily", Schedule.Parse("daily"), At("2025-03-10 00:00 +00:00"), created),
            new("quarter", Schedule.Parse("every 15m"), At("2025-03-10 10:00 +00:00"), created),
            new("hourly", Hourly, At("2025-03-10 10:00 +00:00"), created),
        ];
        Assert.Equal("2025-03-10 10:15 +00:00", Show(ScheduleMath.NextWake(jobs, now, Zones.Utc)));
        Assert.Equal(DateTimeOffset.MaxValue, ScheduleMath.NextWake([], now, Zones.Utc));
    }

    [Fact]
    public void ALastRunBeforeCreationDoesNotBringBackOlderSlots()
    {
        // A job re-created at 10:20 keeps an old LastRun from 08:00: 09:00 and 10:00 predate it.
        var job = new ScheduledJob("pool/vol", Hourly, LastRun: At("2025-03-10 08:00 +00:00"), CreatedAt: At("2025-03-10 10:20 +00:00"));
        Assert.False(ScheduleMath.IsDue(job, At("2025-03-10 10:30 +00:00"), Zones.Utc, out _));
    }

    [Fact]
    public void SchedulesAreReadInTheGivenZone()
    {
        // Berlin's midnight on 10 March 2025 is 23:00 UTC the day before.
        var job = new ScheduledJob("pool/vol", Schedule.Parse("daily"), LastRun: null, CreatedAt: At("2025-03-09 12:00 +00:00"));
        Assert.Equal("2025-03-09 23:00 +00:00", Show(ScheduleMath.NextWake([job], At("2025-03-09 12:00 +00:00"), Zones.Berlin).ToUniversalTime()));
    }
}
