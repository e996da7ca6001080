using Rewind.Cli.CommandLine;
using Rewind.Cli.Output;

namespace Rewind.Cli.Commands;

/// <summary>prune TARGET: apply the retention policy to the snapshots a schedule took.</summary>
public static class PruneCommand
{
    public static readonly CommandSpec Spec = new(
        "prune", ["TARGET"],
        "delete the scheduled snapshots a retention policy no longer keeps",
        """
        Applies TARGET's retention policy (or --keep) to the snapshots its schedule took and deletes
        the rest; the daemon does this after every scheduled snapshot. Only scheduled snapshots
        (TARGET@auto-...) are considered: those taken by hand are never pruned, and held ones are kept.
        Prints each snapshot with keep or delete and the rules that keep it. --dry-run only shows.
        """,
        [
            new("--dry-run", null, "show what would be deleted, delete nothing"),
            new("--keep", "POLICY", "use this policy instead of the schedule's, e.g. last=3,daily=7"),
        ],
        ["rewind prune stack --dry-run", "rewind prune fast/db --keep last=5 --dry-run", "rewind prune stack"],
        Run)
    {
        Next = ["rewind schedule set stack daily --keep daily=7   # change the policy", "rewind hold stack@auto-20260101T000000Z   # keep one for good"],
    };

    private static int Run(CommandContext c)
    {
        string target = c.Args[0];
        bool dryRun = c.Args.Has("--dry-run");
        string? policy = c.Args.Value("--keep") is { } keep ? ScheduleCommands.CheckedPolicy(keep) : null;
        var report = c.Site.Prune(target, dryRun, policy);
        if (c.Print.Json)
        {
            c.Print.WriteJson(report);
            return 0;
        }
        if (report.Decisions.Count == 0)
        {
            c.Print.Line($"{report.Target} has no snapshots taken by its schedule; prune only considers those (TARGET@auto-...)");
            return 0;
        }
        var table = new Table("SNAPSHOT", "CREATED", "ACTION", "WHY");
        foreach (var d in report.Decisions.OrderBy(d => d.CreatedAt))
            table.Add($"{report.Target}@{d.Snapshot}", SnapshotTable.Time(d.CreatedAt), d.Keep ? "keep" : dryRun ? "would delete" : "deleted",
                d.Reasons.Count == 0 ? "-" : string.Join(", ", d.Reasons));
        table.WriteTo(c.Print.Out);
        int deleted = report.Decisions.Count(d => !d.Keep);
        c.Print.Line(dryRun
            ? $"would delete {deleted} of {report.Decisions.Count} scheduled snapshot(s) of {report.Target} (policy {report.Policy}); run without --dry-run to delete"
            : $"deleted {deleted} of {report.Decisions.Count} scheduled snapshot(s) of {report.Target} (policy {report.Policy})");
        return 0;
    }
}
