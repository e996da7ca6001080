using Rewind.Management.Scheduling;
using static Rewind.Management.Tests.Scheduling.TestTime;

namespace Rewind.Management.Tests.Scheduling;

/// <summary>Next fire times in UTC, where no DST interferes. 2025-03-01 is a Saturday, 2025-06-01 a Sunday.</summary>
public class ScheduleNextFireTests
{
    [Theory]
    [InlineData("hourly", "2025-03-10 10:00 +00:00", "2025-03-10 11:00 +00:00")] // strictly after
    [InlineData("hourly", "2025-03-10 10:59 +00:00", "2025-03-10 11:00 +00:00")]
    [InlineData("daily", "2025-03-10 15:00 +00:00", "2025-03-11 00:00 +00:00")]
    [InlineData("weekly", "2025-03-12 10:00 +00:00", "2025-03-17 00:00 +00:00")] // Wednesday → Monday
    [InlineData("weekly", "2025-03-17 00:00 +00:00", "2025-03-24 00:00 +00:00")] // Monday 00:00 → next Monday
    [InlineData("monthly", "2025-01-31 12:00 +00:00", "2025-02-01 00:00 +00:00")]
    [InlineData("yearly", "2025-06-01 00:00 +00:00", "2026-01-01 00:00 +00:00")]
    [InlineData("every 15m", "2025-03-10 10:07 +00:00", "2025-03-10 10:15 +00:00")]
    [InlineData("every 15m", "2025-03-10 23:50 +00:00", "2025-03-11 00:00 +00:00")]
    [InlineData("every 2h", "2025-03-10 03:00 +00:00", "2025-03-10 04:00 +00:00")] // aligned to midnight: even hours
    [InlineData("every 2h", "2025-03-10 23:00 +00:00", "2025-03-11 00:00 +00:00")]
    [InlineData("every 90m", "2025-03-10 01:31 +00:00", "2025-03-10 03:00 +00:00")] // 00:00, 01:30, 03:00, …
    public void PresetsAndIntervalsFireAtTheirNextSlot(string schedule, string after, string expected) =>
        Assert.Equal(expected, Show(Schedule.Parse(schedule).NextAfter(At(after), Zones.Utc)));

    [Theory]
    [InlineData("*/15 * * * *", "2025-03-10 10:07 +00:00", "2025-03-10 10:15 +00:00")]
    [InlineData("0 3 * * 1-5", "2025-03-14 04:00 +00:00", "2025-03-17 03:00 +00:00")] // Friday after 03:00 → Monday
    [InlineData("0 3 * * mon-fri", "2025-03-14 04:00 +00:00", "2025-03-17 03:00 +00:00")]
    [InlineData("30 9,17 * * *", "2025-03-10 10:00 +00:00", "2025-03-10 17:30 +00:00")]
    [InlineData("0 0 1-10/3 * *", "2025-03-02 00:00 +00:00", "2025-03-04 00:00 +00:00")] // days 1, 4, 7, 10
    [InlineData("0 0 1-10/3 * *", "2025-03-10 00:00 +00:00", "2025-04-01 00:00 +00:00")]
    [InlineData("5/20 * * * *", "2025-03-10 10:45 +00:00", "2025-03-10 11:05 +00:00")] // minutes 5, 25, 45
    [InlineData("0 12 * jan,jul *", "2025-02-01 00:00 +00:00", "2025-07-01 12:00 +00:00")]
    [InlineData("0 0 * * 7", "2025-03-10 00:00 +00:00", "2025-03-16 00:00 +00:00")] // 7 is Sunday
    [InlineData("0 0 * * sun", "2025-03-10 00:00 +00:00", "2025-03-16 00:00 +00:00")]
    [InlineData("59 23 * * *", "2025-12-31 23:59 +00:00", "2026-01-01 23:59 +00:00")]
    public void CronExpressionsFireAtTheirNextSlot(string schedule, string after, string expected) =>
        Assert.Equal(expected, Show(Schedule.Parse(schedule).NextAfter(At(after), Zones.Utc)));

    [Fact]
    public void RestrictedDayOfMonthAndDayOfWeekCombineWithOr()
    {
        // June 2025: Mondays are the 2nd, 9th, 16th, 23rd and 30th; the 13th is a Friday.
        var fires = FireTimes("0 0 13 * mon", "2025-06-01 00:00 +00:00", 5, Zones.Utc);
        Assert.Equal(["2025-06-02 00:00 +00:00", "2025-06-09 00:00 +00:00", "2025-06-13 00:00 +00:00",
                      "2025-06-16 00:00 +00:00", "2025-06-23 00:00 +00:00"], fires);
    }

    [Fact]
    public void ADayFieldStartingWithStarDoesNotRestrictSoTheDaysCombineWithAndAsInVixieCron()
    {
        // "*/2" in day-of-month starts with '*': Vixie cron then requires both fields, i.e. odd days that are Mondays.
        var fires = FireTimes("0 0 */2 * mon", "2025-06-01 00:00 +00:00", 3, Zones.Utc);
        Assert.Equal(["2025-06-09 00:00 +00:00", "2025-06-23 00:00 +00:00", "2025-07-07 00:00 +00:00"], fires);
    }

    [Theory]
    [InlineData("2025-01-01 00:00 +00:00", "2028-02-29 00:00 +00:00")]
    [InlineData("2024-02-29 00:00 +00:00", "2028-02-29 00:00 +00:00")]
    [InlineData("2096-03-01 00:00 +00:00", "2104-02-29 00:00 +00:00")] // 2100 is not a leap year
    public void TheTwentyNinthOfFebruaryFiresOnlyInLeapYears(string after, string expected) =>
        Assert.Equal(expected, Show(Schedule.Parse("0 0 29 2 *").NextAfter(At(after), Zones.Utc)));

    [Fact]
    public void TheThirtyFirstSkipsMonthsThatLackIt()
    {
        var fires = FireTimes("0 0 31 * *", "2025-01-01 00:00 +00:00", 7, Zones.Utc);
        Assert.Equal(["2025-01-31 00:00 +00:00", "2025-03-31 00:00 +00:00", "2025-05-31 00:00 +00:00", "2025-07-31 00:00 +00:00",
                      "2025-08-31 00:00 +00:00", "2025-10-31 00:00 +00:00", "2025-12-31 00:00 +00:00"], fires);
    }

    [Fact]
    public void AnInstantGivenInAnotherOffsetIsTheSameInstant()
    {
        // 2025-03-10 09:30 -05:00 is 14:30 UTC: the next hourly slot is 15:00 UTC, reported in the zone's offset.
        Assert.Equal("2025-03-10 15:00 +00:00", Show(Schedule.Parse("hourly").NextAfter(At("2025-03-10 09:30 -05:00"), Zones.Utc)));
    }

    [Theory]
    [InlineData("hourly", "2025-03-10 10:00 +00:00", "2025-03-10 15:30 +00:00", "2025-03-10 15:00 +00:00")]
    [InlineData("hourly", "2025-03-10 10:00 +00:00", "2025-03-10 15:00 +00:00", "2025-03-10 15:00 +00:00")] // upper bound included
    [InlineData("hourly", "2025-03-10 15:00 +00:00", "2025-03-10 15:30 +00:00", null)]                      // lower bound excluded
    [InlineData("hourly", "2025-03-10 15:30 +00:00", "2025-03-10 15:00 +00:00", null)]                      // empty range
    [InlineData("yearly", "2020-01-01 00:00 +00:00", "2025-06-01 00:00 +00:00", "2025-01-01 00:00 +00:00")]
    [InlineData("0 0 29 2 *", "2023-01-01 00:00 +00:00", "2027-12-31 00:00 +00:00", "2024-02-29 00:00 +00:00")]
    [InlineData("0 0 29 2 *", "2024-03-01 00:00 +00:00", "2027-12-31 00:00 +00:00", null)]
    [InlineData("0 3 * * mon-fri", "2025-03-14 03:00 +00:00", "2025-03-16 23:00 +00:00", null)]                    // a weekend
    [InlineData("0 3 * * mon-fri", "2025-03-13 03:00 +00:00", "2025-03-16 23:00 +00:00", "2025-03-14 03:00 +00:00")]
    public void LatestBetweenFindsTheLastFireTimeInTheRange(string schedule, string after, string atOrBefore, string? expected) =>
        Assert.Equal(expected, Show(Schedule.Parse(schedule).LatestBetween(At(after), At(atOrBefore), Zones.Utc)));
}
