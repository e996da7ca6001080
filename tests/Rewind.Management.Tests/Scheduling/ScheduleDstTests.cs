using Rewind.Management.Scheduling;
using static Rewind.Management.Tests.Scheduling.TestTime;

namespace Rewind.Management.Tests.Scheduling;

/// <summary>
/// 2025 transitions: Berlin springs forward on 30 March at 02:00 CET (+01:00) to 03:00 CEST (+02:00) and falls back on
/// 26 October at 03:00 CEST to 02:00 CET; New York springs forward on 9 March at 02:00 EST (-05:00) to 03:00 EDT (-04:00)
/// and falls back on 2 November at 02:00 EDT to 01:00 EST.
/// </summary>
public class ScheduleDstTests
{
    [Fact]
    public void TheSystemTimeZoneDatabaseIsAvailable()
    {
        Assert.Equal(TimeSpan.FromHours(1), Zones.Berlin.GetUtcOffset(At("2025-01-15 12:00 +00:00")));
        Assert.Equal(TimeSpan.FromHours(2), Zones.Berlin.GetUtcOffset(At("2025-07-15 12:00 +00:00")));
        Assert.Equal(TimeSpan.FromHours(-4), Zones.NewYork.GetUtcOffset(At("2025-07-15 12:00 +00:00")));
    }

    [Fact]
    public void AWallTimeInsideTheSpringForwardGapFiresAtTheFirstInstantAfterIt()
    {
        Assert.Equal(["2025-03-29 02:30 +01:00", "2025-03-30 03:00 +02:00", "2025-03-31 02:30 +02:00"],
                     FireTimes("30 2 * * *", "2025-03-29 00:00 +01:00", 3, Zones.Berlin));
    }

    [Fact]
    public void SeveralSlotsInsideOneGapFireOnceAfterIt()
    {
        // 02:00, 02:15, 02:30 and 02:45 do not exist that night: one fire at 03:00, then the grid goes on.
        Assert.Equal(["2025-03-30 01:45 +01:00", "2025-03-30 03:00 +02:00", "2025-03-30 03:15 +02:00"],
                     FireTimes("every 15m", "2025-03-30 01:30 +01:00", 3, Zones.Berlin));
        Assert.Equal(["2025-03-30 01:00 +01:00", "2025-03-30 03:00 +02:00", "2025-03-30 04:00 +02:00"],
                     FireTimes("hourly", "2025-03-30 00:00 +01:00", 3, Zones.Berlin));
    }

    [Fact]
    public void AWallTimeThatOccursTwiceFiresOnceAtItsFirstOccurrence()
    {
        Assert.Equal(["2025-10-26 02:30 +02:00", "2025-10-27 02:30 +01:00"],
                     FireTimes("30 2 * * *", "2025-10-26 00:00 +02:00", 2, Zones.Berlin));
        // Asked during the repeated hour (the second 02:10), the first 02:30 has passed: tomorrow is next.
        Assert.Equal("2025-10-27 02:30 +01:00",
                     Show(Schedule.Parse("30 2 * * *").NextAfter(At("2025-10-26 02:10 +01:00"), Zones.Berlin)));
    }

    [Fact]
    public void AnHourlyScheduleSkipsTheRepeatedHour()
    {
        Assert.Equal(["2025-10-26 02:00 +02:00", "2025-10-26 03:00 +01:00", "2025-10-26 04:00 +01:00"],
                     FireTimes("hourly", "2025-10-26 01:30 +02:00", 3, Zones.Berlin));
        Assert.Null(Schedule.Parse("hourly").LatestBetween(At("2025-10-26 02:00 +02:00"), At("2025-10-26 02:30 +01:00"), Zones.Berlin));
    }

    [Fact]
    public void AWeeklyScheduleStaysOnLocalMidnightAcrossTheTransition()
    {
        // Monday 24 March to Monday 31 March is 6 days 23 hours of real time.
        Assert.Equal("2025-03-31 00:00 +02:00",
                     Show(Schedule.Parse("weekly").NextAfter(At("2025-03-24 00:00 +01:00"), Zones.Berlin)));
    }

    [Fact]
    public void NewYorkSpringForwardAndFallBack()
    {
        Assert.Equal(["2025-03-08 02:30 -05:00", "2025-03-09 03:00 -04:00", "2025-03-10 02:30 -04:00"],
                     FireTimes("30 2 * * *", "2025-03-08 00:00 -05:00", 3, Zones.NewYork));
        Assert.Equal(["2025-11-02 01:30 -04:00", "2025-11-03 01:30 -05:00"],
                     FireTimes("30 1 * * *", "2025-11-02 00:00 -04:00", 2, Zones.NewYork));
    }

    [Fact]
    public void UtcHasNoGapsOrRepeats()
    {
        Assert.Equal(["2025-03-30 02:30 +00:00", "2025-03-31 02:30 +00:00"],
                     FireTimes("30 2 * * *", "2025-03-30 00:00 +00:00", 2, Zones.Utc));
        Assert.Equal(["2025-10-26 01:00 +00:00", "2025-10-26 02:00 +00:00", "2025-10-26 03:00 +00:00"],
                     FireTimes("hourly", "2025-10-26 00:30 +00:00", 3, Zones.Utc));
    }

    [Fact]
    public void LatestBetweenUsesTheSameGapRule()
    {
        Assert.Equal("2025-03-30 03:00 +02:00",
                     Show(Schedule.Parse("30 2 * * *").LatestBetween(At("2025-03-29 12:00 +01:00"), At("2025-03-30 03:10 +02:00"), Zones.Berlin)));
    }
}
