using System.Globalization;
using Rewind.Cli.CommandLine;
using Rewind.Cli.Output;
using Rewind.Cli.Sites;
using Rewind.Management;
using Rewind.Management.Scheduling;

namespace Rewind.Cli.Commands;

/// <summary>schedule set | list | clear: snapshots the daemon takes on its own, and how many it keeps.</summary>
public static class ScheduleCommands
{
    private static readonly (string Option, string Rule)[] KeepOptions =
        [("--keep-last", "last"), ("--keep-hourly", "hourly"), ("--keep-daily", "daily"), ("--keep-weekly", "weekly"), ("--keep-monthly", "monthly"), ("--keep-yearly", "yearly")];

    public static readonly CommandSpec Set = new(
        "schedule set", ["TARGET", "SCHEDULE"],
        "snapshot a group or volume on a schedule, and prune by a retention policy",
        """
        While 'rewind serve' runs, it snapshots TARGET (a group or a volume) at every SCHEDULE time as
        TARGET@auto-YYYYMMDDTHHMMSSZ (taken by "schedule:TARGET"), then prunes the snapshots its schedule
        took by the retention policy. Snapshots taken by hand are never pruned; held ones are always kept.
        A run missed while the daemon was down happens once when it starts. Setting a schedule again
        replaces it.
        SCHEDULE: hourly, daily, weekly, monthly, yearly; "every 15m", "every 2h"; or a cron expression
        "MIN HOUR DAY MONTH WEEKDAY" such as "0 3 * * *" (03:00 every day), in local time.
        Retention (as restic and Proxmox): keep the N newest (last), and the newest of each of the N most
        recent hours, days, ISO weeks, months, years that have snapshots. Without one, everything is kept.
        """,
        [
            new("--keep", "POLICY", "the retention policy as text, e.g. last=3,daily=7,weekly=4"),
            new("--keep-last", "N", "keep the N newest"),
            new("--keep-hourly", "N", "keep one per hour for N hours that have snapshots"),
            new("--keep-daily", "N", "keep one per day for N days"),
            new("--keep-weekly", "N", "keep one per ISO week for N weeks"),
            new("--keep-monthly", "N", "keep one per month for N months"),
            new("--keep-yearly", "N", "keep one per year for N years"),
        ],
        [
            "rewind schedule set stack daily --keep daily=7,weekly=4,monthly=6",
            "rewind schedule set fast/db 'every 15m' --keep-last 8 --keep-hourly 24",
            "rewind schedule set web '0 3 * * 1-5' --keep last=10",
        ],
        RunSet)
    {
        Next = ["rewind schedule list", "rewind prune stack --dry-run", "rewind serve   # schedules run in the daemon"],
    };

    public static readonly CommandSpec List = new(
        "schedule list", [],
        "list the schedules with their last and next runs",
        "Lists every scheduled group and volume: its schedule, retention policy, last run and next run.",
        [], ["rewind schedule list", "rewind schedule list --json"],
        RunList);

    public static readonly CommandSpec Clear = new(
        "schedule clear", ["TARGET"],
        "stop snapshotting a group or volume on a schedule",
        "Removes TARGET's schedule and retention policy. The snapshots it took stay.",
        [], ["rewind schedule clear stack"],
        RunClear);

    public static IEnumerable<CommandSpec> All => [Set, List, Clear];

    private static int RunSet(CommandContext c)
    {
        string target = c.Args[0];
        string schedule = CheckedSchedule(c.Args[1]);
        string retention = RetentionFrom(c.Args);
        var info = c.Site.SetSchedule(target, schedule, retention);
        if (c.Print.Json)
        {
            c.Print.WriteJson(info);
            return 0;
        }
        c.Print.Line($"scheduled {info.Target}: {Describe(info)}");
        if (c.Site is LocalSite)
            c.Print.Err.WriteLine("rewind: note: no daemon runs for this pool; schedules run only while 'rewind serve' does");
        return 0;
    }

    private static int RunList(CommandContext c)
    {
        var schedules = c.Site.ListSchedules();
        if (c.Print.Json)
        {
            c.Print.WriteJson(new { schedules });
            return 0;
        }
        if (schedules.Count == 0)
        {
            c.Print.Line("no schedules; set one with 'rewind schedule set TARGET daily --keep daily=7'");
            return 0;
        }
        var table = new Table("TARGET", "SCHEDULE", "KEEP", "LAST RUN", "NEXT RUN");
        foreach (var s in schedules)
            table.Add(s.Target, s.Schedule, s.Retention, s.LastRun is { } last ? SnapshotTable.Time(last) : "never", s.NextRun is { } next ? SnapshotTable.Time(next) : "-");
        table.WriteTo(c.Print.Out);
        return 0;
    }

    private static int RunClear(CommandContext c)
    {
        c.Site.ClearSchedule(c.Args[0]);
        if (c.Print.Json) c.Print.WriteJson(new { cleared = c.Args[0] });
        else c.Print.Line($"cleared the schedule of {c.Args[0]}; the snapshots it took stay");
        return 0;
    }

    public static string Describe(ScheduleInfo s) =>
        $"'{s.Schedule}', keeping {s.Retention}" + (s.NextRun is { } next ? $"; next run {SnapshotTable.Time(next)}" : "");

    /// <summary>Checks the schedule here, so a typo is a command-line mistake (exit 2) with or without a daemon.</summary>
    private static string CheckedSchedule(string text)
    {
        try { return Schedule.Parse(text).Text; }
        catch (FormatException e) { throw new UsageException(e.Message); }
    }

    /// <summary>The retention policy text from --keep or the --keep-RULE options (not both); "keep-all" when none.</summary>
    public static string RetentionFrom(ParsedArguments args)
    {
        var rules = KeepOptions.Where(k => args.Has(k.Option)).Select(k => $"{k.Rule}={CheckedCount(args.Value(k.Option)!, k.Option)}").ToList();
        string? keep = args.Value("--keep");
        if (keep != null && rules.Count > 0) throw new UsageException("give --keep POLICY or the --keep-RULE options, not both");
        return CheckedPolicy(keep ?? (rules.Count == 0 ? "keep-all" : string.Join(',', rules)));
    }

    public static string CheckedPolicy(string text)
    {
        try { return RetentionPolicy.Parse(text).ToString(); }
        catch (FormatException e) { throw new UsageException(e.Message); }
    }

    private static string CheckedCount(string text, string option) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            ? n.ToString(CultureInfo.InvariantCulture)
            : throw new UsageException($"{option} wants a whole number >= 0, not '{text}'");
}
