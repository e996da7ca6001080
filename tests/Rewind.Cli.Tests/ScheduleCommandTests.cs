using Rewind.Management;

namespace Rewind.Cli.Tests;

/// <summary>Schedules, retention and prune through the CLI; the scheduled runs come from the site itself, as the daemon makes them.</summary>
public class ScheduleCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private static readonly DateTimeOffset FirstSlot = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>What the daemon's scheduler does at each slot: a snapshot named after the slot, then a prune by the stored policy.</summary>
    private async Task RunScheduled(string target, int runs)
    {
        using var site = Site.Open(_cli.PoolDir);
        for (int i = 0; i < runs; i++) await site.RunScheduledAsync(target, FirstSlot.AddHours(i));
    }

    [Fact]
    public void SetListAndClearASchedule()
    {
        _cli.Ok("volume", "create", "web", "--size", "1M");
        var set = _cli.Json("schedule", "set", "web", "@DAILY", "--keep-last", "3", "--keep-daily", "7");
        Assert.Equal("web", set.GetProperty("target").GetString());
        Assert.Equal("daily", set.GetProperty("schedule").GetString());
        Assert.Equal("last=3,daily=7", set.GetProperty("retention").GetString());
        Assert.True(set.GetProperty("nextRun").GetDateTimeOffset() > DateTimeOffset.Now);

        var text = _cli.Run("schedule", "set", "web", "0 3 * * *", "--keep", "keep-daily=7, weekly=4");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("scheduled web: '0 3 * * *', keeping daily=7,weekly=4; next run ", text.Stdout);
        Assert.Contains("schedules run only while 'rewind serve' does", text.Stderr);

        var list = _cli.Json("schedule", "list").GetProperty("schedules");
        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal("0 3 * * *", list[0].GetProperty("schedule").GetString());
        Assert.Matches(@"web\s+0 3 \* \* \*\s+daily=7,weekly=4\s+never\s+\d{4}-", _cli.Ok("schedule", "list").Stdout);

        Assert.Contains("cleared the schedule of web", _cli.Ok("schedule", "clear", "web").Stdout);
        Assert.Contains("no schedules", _cli.Ok("schedule", "list").Stdout);
        var again = _cli.Run("schedule", "clear", "web", "--json");
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("notFound", again.Json.GetProperty("error").GetProperty("kind").GetString());
    }

    [Theory]
    [InlineData("schedule", "set", "web", "twice a day")]
    [InlineData("schedule", "set", "web", "0 25 * * *")]
    [InlineData("schedule", "set", "web", "daily", "--keep", "daily=lots")]
    [InlineData("schedule", "set", "web", "daily", "--keep", "fortnightly=2")]
    [InlineData("schedule", "set", "web", "daily", "--keep", "last=3", "--keep-daily", "7")]
    [InlineData("schedule", "set", "web", "daily", "--keep-last", "-1")]
    [InlineData("prune", "web", "--keep", "last=x")]
    public void BadSchedulesAndPoliciesAreCommandLineMistakes(params string[] args)
    {
        _cli.Ok("volume", "create", "web", "--size", "1M");
        var r = _cli.Run(args);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains($"usage: rewind {args[0]}", r.Stderr);
        Assert.Equal(0, _cli.Json("schedule", "list").GetProperty("schedules").GetArrayLength());
    }

    [Fact]
    public void ABadScheduleSaysWhatASchedulesLooksLike()
    {
        var r = _cli.Run("schedule", "set", "web", "twice a day");
        Assert.Contains("twice a day", r.Stderr);
        Assert.Contains("every 15m", r.Stderr); // the message teaches the forms
        var policy = _cli.Run("schedule", "set", "web", "daily", "--keep", "fortnightly=2");
        Assert.Contains("last=3,hourly=24,daily=7", policy.Stderr);
        var ghost = _cli.Run("schedule", "set", "ghost", "daily");
        Assert.Equal(1, ghost.ExitCode);
        Assert.Contains("no group or volume 'ghost'", ghost.Stderr);
    }

    [Fact]
    public async Task PruneDryRunShowsWhatThePolicyWouldDeleteAndKeepsHeldAndHandMadeSnapshots()
    {
        _cli.Ok("volume", "create", "web", "--size", "1M");
        _cli.Ok("schedule", "set", "web", "hourly"); // keeps everything: the scheduled runs below prune nothing
        await RunScheduled("web", runs: 4);
        _cli.Ok("snapshot", "web@by-hand");
        _cli.Ok("hold", "web@auto-20260301T010000Z");
        var auto = _cli.Json("snapshot", "list", "web").GetProperty("snapshots").EnumerateArray()
            .Where(s => s.GetProperty("name").GetString()!.StartsWith("auto-")).ToList();
        Assert.Equal(4, auto.Count);
        Assert.All(auto, s => Assert.Equal("schedule:web", s.GetProperty("createdBy").GetString()));

        var noPolicy = _cli.Run("prune", "web", "--dry-run");
        Assert.Equal(0, noPolicy.ExitCode);
        Assert.Matches(@"web@auto-20260301T000000Z\s.*\skeep\s+no policy", noPolicy.Stdout); // the schedule's own policy keeps all
        Assert.Contains("would delete 0 of 4", noPolicy.Stdout);

        var plan = _cli.Json("prune", "web", "--dry-run", "--keep", "last=2");
        Assert.True(plan.GetProperty("dryRun").GetBoolean());
        Assert.Equal("last=2", plan.GetProperty("policy").GetString());
        var decisions = plan.GetProperty("decisions").EnumerateArray()
            .ToDictionary(d => d.GetProperty("snapshot").GetString()!, d => (d.GetProperty("keep").GetBoolean(), string.Join(",", d.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()))));
        Assert.Equal((true, "last 1"), decisions["auto-20260301T030000Z"]);
        Assert.Equal((true, "last 2"), decisions["auto-20260301T020000Z"]);
        Assert.Equal((true, "held"), decisions["auto-20260301T010000Z"]);
        Assert.Equal((false, ""), decisions["auto-20260301T000000Z"]);
        Assert.False(decisions.ContainsKey("by-hand"));

        var text = _cli.Ok("prune", "web", "--dry-run", "--keep", "last=2").Stdout;
        Assert.Matches(@"web@auto-20260301T000000Z\s.*\swould delete\s+-", text);
        Assert.Matches(@"web@auto-20260301T010000Z\s.*\skeep\s+held", text);
        Assert.Contains("would delete 1 of 4 scheduled snapshot(s) of web (policy last=2); run without --dry-run to delete", text);
        Assert.Equal(5, _cli.Json("snapshot", "list", "web").GetProperty("snapshots").GetArrayLength()); // nothing deleted yet

        Assert.Contains("deleted 1 of 4", _cli.Ok("prune", "web", "--keep", "last=2").Stdout);
        var left = _cli.Json("snapshot", "list", "web").GetProperty("snapshots").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToList();
        Assert.Equal(["auto-20260301T010000Z", "auto-20260301T020000Z", "auto-20260301T030000Z", "by-hand"], left.Order());
    }

    [Fact]
    public void PruneWithoutAnyPolicyTellsHowToGiveOne()
    {
        _cli.Ok("volume", "create", "web", "--size", "1M");
        var r = _cli.Run("prune", "web", "--dry-run");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no retention policy", r.Stderr);
        Assert.Contains("--keep", r.Stderr);
    }
}
