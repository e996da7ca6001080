using Rewind.Management.Scheduling;
using static Rewind.Management.Tests.Scheduling.TestTime;

namespace Rewind.Management.Tests.Scheduling;

/// <summary>
/// Each test lists its snapshots and the decision expected for each, computed by hand, newest first, as
/// "name: reason, reason" for kept snapshots and "name: prune" for the others.
/// </summary>
public class RetentionPlanTests
{
    [Fact]
    public void AnEmptyPolicyKeepsEverything()
    {
        var plan = Plan("keep-all", Zones.Utc,
            Snap("a", "2025-03-01 10:00 +00:00"), Snap("b", "2025-03-02 10:00 +00:00", held: true), Snap("c", "2025-03-03 10:00 +00:00"));
        Assert.Equal(["c: no policy", "b: held", "a: no policy"], plan);
    }

    [Fact]
    public void KeepLastKeepsTheNewestWhateverTheInputOrder()
    {
        var plan = Plan("last=3", Zones.Utc,
            Snap("s2", "2025-03-02 10:00 +00:00"), Snap("s5", "2025-03-05 10:00 +00:00"), Snap("s1", "2025-03-01 10:00 +00:00"),
            Snap("s4", "2025-03-04 10:00 +00:00"), Snap("s3", "2025-03-03 10:00 +00:00"));
        Assert.Equal(["s5: last 1", "s4: last 2", "s3: last 3", "s2: prune", "s1: prune"], plan);
    }

    [Fact]
    public void FewerSnapshotsThanTheRulesAllowAreAllKept()
    {
        var plan = Plan("last=10,daily=7", Zones.Utc,
            Snap("a", "2025-03-01 10:00 +00:00"), Snap("b", "2025-03-01 11:00 +00:00"), Snap("c", "2025-03-02 10:00 +00:00"));
        Assert.Equal(["c: last 1, daily 2025-03-02", "b: last 2, daily 2025-03-01", "a: last 3"], plan);
    }

    [Fact]
    public void DailyKeepsTheNewestOfEachDayAcrossAMonthEnd()
    {
        var plan = Plan("daily=3", Zones.Utc,
            Snap("jan30-early", "2025-01-30 06:00 +00:00"), Snap("jan30-late", "2025-01-30 18:00 +00:00"),
            Snap("jan31-early", "2025-01-31 06:00 +00:00"), Snap("jan31-late", "2025-01-31 23:59 +00:00"),
            Snap("feb1-midnight", "2025-02-01 00:00 +00:00"), Snap("feb1-noon", "2025-02-01 12:00 +00:00"),
            Snap("jan29", "2025-01-29 12:00 +00:00"));
        Assert.Equal([
            "feb1-noon: daily 2025-02-01", "feb1-midnight: prune",
            "jan31-late: daily 2025-01-31", "jan31-early: prune",
            "jan30-late: daily 2025-01-30", "jan30-early: prune",
            "jan29: prune"], plan);
    }

    [Fact]
    public void DailyCountsTheTwentyNinthOfFebruaryInALeapYear()
    {
        var snapshots = new[]
        {
            Snap("feb28-am", "2024-02-28 10:00 +00:00"), Snap("feb28-pm", "2024-02-28 22:00 +00:00"),
            Snap("feb29-am", "2024-02-29 09:00 +00:00"), Snap("feb29-pm", "2024-02-29 21:00 +00:00"),
            Snap("mar1", "2024-03-01 08:00 +00:00"),
        };
        Assert.Equal(["mar1: daily 2024-03-01", "feb29-pm: daily 2024-02-29", "feb29-am: prune", "feb28-pm: prune", "feb28-am: prune"],
                     Plan("daily=2", Zones.Utc, snapshots));
        Assert.Equal(["mar1: daily 2024-03-01", "feb29-pm: daily 2024-02-29", "feb29-am: prune", "feb28-pm: daily 2024-02-28", "feb28-am: prune"],
                     Plan("daily=3", Zones.Utc, snapshots));
    }

    [Fact]
    public void WeeklyUsesIsoWeeksAcrossTheYearBoundary()
    {
        // Monday 2024-12-30 to Sunday 2025-01-05 is ISO week 2025-W01 (it holds Thursday 2 January 2025).
        var plan = Plan("weekly=3", Zones.Utc,
            Snap("dec22", "2024-12-22 12:00 +00:00"), Snap("dec29", "2024-12-29 12:00 +00:00"),
            Snap("dec30", "2024-12-30 12:00 +00:00"), Snap("jan1", "2025-01-01 12:00 +00:00"),
            Snap("jan5", "2025-01-05 12:00 +00:00"), Snap("jan6", "2025-01-06 12:00 +00:00"));
        Assert.Equal([
            "jan6: weekly 2025-W02", "jan5: weekly 2025-W01", "jan1: prune", "dec30: prune",
            "dec29: weekly 2024-W52", "dec22: prune"], plan);
    }

    [Theory]
    [InlineData("2024-12-30 12:00 +00:00", "weekly 2025-W01")]
    [InlineData("2021-01-03 12:00 +00:00", "weekly 2020-W53")] // a Sunday in January that belongs to the previous ISO year
    [InlineData("2025-03-30 12:00 +00:00", "weekly 2025-W13")]
    [InlineData("2025-12-29 12:00 +00:00", "weekly 2026-W01")]
    public void WeeklyBucketsAreNamedByIsoYearAndWeek(string createdAt, string reason) =>
        Assert.Equal([$"s: {reason}"], Plan("weekly=1", Zones.Utc, Snap("s", createdAt)));

    [Fact]
    public void MonthlyKeepsTheNewestOfEachMonth()
    {
        var plan = Plan("monthly=2", Zones.Utc,
            Snap("jan15", "2025-01-15 12:00 +00:00"), Snap("jan31", "2025-01-31 23:00 +00:00"),
            Snap("feb28", "2025-02-28 23:00 +00:00"), Snap("mar1", "2025-03-01 00:30 +00:00"), Snap("mar31", "2025-03-31 12:00 +00:00"));
        Assert.Equal(["mar31: monthly 2025-03", "mar1: prune", "feb28: monthly 2025-02", "jan31: prune", "jan15: prune"], plan);
    }

    [Fact]
    public void BucketsFollowTheWallClockOfTheZone()
    {
        // 2025-01-31 23:30 UTC is 00:30 on 1 February in Berlin.
        var snapshots = new[] { Snap("a", "2025-01-31 22:30 +00:00"), Snap("b", "2025-01-31 23:30 +00:00") };
        Assert.Equal(["b: monthly 2025-02", "a: monthly 2025-01"], Plan("monthly=2", Zones.Berlin, snapshots));
        Assert.Equal(["b: monthly 2025-01", "a: prune"], Plan("monthly=2", Zones.Utc, snapshots));
    }

    [Fact]
    public void YearlyKeepsTheNewestOfEachYear()
    {
        var plan = Plan("yearly=2", Zones.Utc,
            Snap("y23-jun", "2023-06-01 12:00 +00:00"), Snap("y23-dec", "2023-12-31 23:00 +00:00"),
            Snap("y24-jan", "2024-01-01 01:00 +00:00"), Snap("y24-jul", "2024-07-01 12:00 +00:00"), Snap("y25-feb", "2025-02-01 12:00 +00:00"));
        Assert.Equal(["y25-feb: yearly 2025", "y24-jul: yearly 2024", "y24-jan: prune", "y23-dec: prune", "y23-jun: prune"], plan);
    }

    [Fact]
    public void ASnapshotKeptBySeveralRulesListsEveryReason()
    {
        // 2025-03-28 is a Friday, 2025-03-30 a Sunday: all three days are in ISO week 2025-W13.
        var plan = Plan("last=1,daily=2,weekly=1", Zones.Utc,
            Snap("fri", "2025-03-28 20:00 +00:00"), Snap("sat", "2025-03-29 20:00 +00:00"),
            Snap("sun-am", "2025-03-30 06:00 +00:00"), Snap("sun-pm", "2025-03-30 18:00 +00:00"));
        Assert.Equal(["sun-pm: last 1, daily 2025-03-30, weekly 2025-W13", "sun-am: prune", "sat: daily 2025-03-29", "fri: prune"], plan);
    }

    [Fact]
    public void HeldSnapshotsAreKeptAndTakeNoSlotOfKeepLast()
    {
        var plan = Plan("last=2", Zones.Utc,
            Snap("s1", "2025-03-01 10:00 +00:00"), Snap("s2", "2025-03-02 10:00 +00:00", held: true),
            Snap("s3", "2025-03-03 10:00 +00:00"), Snap("s4", "2025-03-04 10:00 +00:00"), Snap("s5", "2025-03-05 10:00 +00:00", held: true));
        Assert.Equal(["s5: held", "s4: last 1", "s3: last 2", "s2: held", "s1: prune"], plan);
    }

    [Fact]
    public void AHeldSnapshotDoesNotClaimItsBucket()
    {
        // Without the hold, "evening" would be the day's snapshot and "morning" would be pruned.
        var plan = Plan("daily=1", Zones.Utc,
            Snap("morning", "2025-03-05 06:00 +00:00"), Snap("evening", "2025-03-05 18:00 +00:00", held: true));
        Assert.Equal(["evening: held", "morning: daily 2025-03-05"], plan);
    }

    [Fact]
    public void TheShortSpringForwardDayIsOneDailyBucket()
    {
        // Berlin's 30 March 2025 has 23 hours (no 02:xx): one snapshot at every hour of it is still one day.
        var snapshots = new List<RetentionCandidate> { Snap("before", "2025-03-29 23:30 +01:00"), Snap("after", "2025-03-31 00:30 +02:00") };
        var midnight = At("2025-03-30 00:00 +01:00");
        for (int hour = 0; hour < 23; hour++)
            snapshots.Add(new RetentionCandidate($"h{hour:D2}", midnight.AddHours(hour), Held: false));

        var plan = Plan("daily=3", Zones.Berlin, snapshots.ToArray());

        Assert.Equal(25, plan.Length);
        Assert.Equal(["after: daily 2025-03-31", "h22: daily 2025-03-30", "before: daily 2025-03-29"], plan.Where(d => !d.EndsWith(": prune")));
        Assert.Equal("2025-03-30 23:00 +02:00", Show(TimeZoneInfo.ConvertTime(midnight.AddHours(22), Zones.Berlin)));
    }

    [Fact]
    public void TheLongFallBackDayIsOneDailyBucketAndItsRepeatedHourOneHourlyBucket()
    {
        // Berlin's 26 October 2025 has 25 hours; 02:00-02:59 happens twice (+02:00, then +01:00).
        var midnight = At("2025-10-26 00:00 +02:00");
        var hours = Enumerable.Range(0, 25).Select(hour => new RetentionCandidate($"h{hour:D2}", midnight.AddHours(hour), Held: false)).ToArray();
        var daily = Plan("daily=1", Zones.Berlin, hours);
        Assert.Equal(["h24: daily 2025-10-26"], daily.Where(d => !d.EndsWith(": prune")));
        Assert.Equal("2025-10-26 23:00 +01:00", Show(TimeZoneInfo.ConvertTime(midnight.AddHours(24), Zones.Berlin)));

        var hourly = Plan("hourly=3", Zones.Berlin,
            Snap("first-0215", "2025-10-26 02:15 +02:00"), Snap("first-0245", "2025-10-26 02:45 +02:00"),
            Snap("second-0215", "2025-10-26 02:15 +01:00"), Snap("second-0245", "2025-10-26 02:45 +01:00"),
            Snap("0130", "2025-10-26 01:30 +02:00"), Snap("0315", "2025-10-26 03:15 +01:00"));
        Assert.Equal([
            "0315: hourly 2025-10-26 03:00", "second-0245: hourly 2025-10-26 02:00", "second-0215: prune",
            "first-0245: prune", "first-0215: prune", "0130: hourly 2025-10-26 01:00"], hourly);
    }

    [Fact]
    public void SnapshotsTakenAtTheSameInstantAreOrderedByName()
    {
        var plan = Plan("last=1", Zones.Utc, Snap("a", "2025-03-01 10:00 +00:00"), Snap("b", "2025-03-01 10:00 +00:00"));
        Assert.Equal(["b: last 1", "a: prune"], plan);
    }

    [Fact]
    public void DecisionsCarryTheSnapshotAndAKeepFlag()
    {
        var decisions = Retention.Plan([Snap("old", "2025-03-01 10:00 +00:00"), Snap("new", "2025-03-02 10:00 +00:00")],
                                       RetentionPolicy.Parse("last=1"), Zones.Utc);
        Assert.Equal(("new", At("2025-03-02 10:00 +00:00"), true), (decisions[0].Name, decisions[0].CreatedAt, decisions[0].Keep));
        Assert.Equal(["last 1"], decisions[0].Reasons);
        Assert.Equal(("old", At("2025-03-01 10:00 +00:00"), false), (decisions[1].Name, decisions[1].CreatedAt, decisions[1].Keep));
        Assert.Empty(decisions[1].Reasons);
    }

    static RetentionCandidate Snap(string name, string createdAt, bool held = false) => new(name, At(createdAt), held);

    static string[] Plan(string policy, TimeZoneInfo zone, params RetentionCandidate[] snapshots) =>
        Retention.Plan(snapshots, RetentionPolicy.Parse(policy), zone)
            .Select(d => d.Keep ? $"{d.Name}: {string.Join(", ", d.Reasons)}" : $"{d.Name}: prune")
            .ToArray();
}
