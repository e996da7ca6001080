using System.Globalization;
using Rewind.Cli.CommandLine;
using Rewind.Cli.Output;

namespace Rewind.Cli.Commands;

/// <summary>log: the audit log of management operations.</summary>
public static class LogCommand
{
    public static readonly CommandSpec Spec = new(
        "log", [],
        "show who did what to the site, and how it ended",
        """
        Shows the audit log, oldest first: every management operation (volumes, snapshots, rollbacks,
        clones, pools, groups, hooks, holds, schedules and scheduled runs, prunes) with its time, the
        user (or "schedule:TARGET"), the operation, its target and its result; failed ones with the error.
        --json also gives each entry's details (sizes, members, hook names, pauses). The log is the file
        audit.log in the default pool's directory, one JSON object a line.
        """,
        [
            new("--last", "N", "only the newest N entries"),
            new("--since", "TIME", "only entries at or after TIME: 2026-03-01, '2026-03-01 14:00', or an age such as 2h or 7d"),
        ],
        ["rewind log --last 20", "rewind log --since 1d", "rewind log --json | jq '.entries[] | select(.result == \"failed\")'"],
        Run);

    private static int Run(CommandContext c)
    {
        int? last = c.Args.Value("--last") is { } n ? Count(n) : null;
        DateTimeOffset? since = c.Args.Value("--since") is { } t ? Since(t) : null;
        var entries = c.Site.ReadAuditLog(last, since);
        if (c.Print.Json)
        {
            c.Print.WriteJson(new { entries });
            return 0;
        }
        if (entries.Count == 0)
        {
            c.Print.Line("no entries");
            return 0;
        }
        var table = new Table("TIME", "USER", "OPERATION", "TARGET", "RESULT", "ERROR");
        foreach (var e in entries) table.Add(SnapshotTable.Time(e.Time), e.User, e.Operation, e.Target, e.Result, e.Error ?? "");
        table.WriteTo(c.Print.Out);
        return 0;
    }

    private static int Count(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new UsageException($"--last wants a whole number > 0, not '{text}'");

    private static DateTimeOffset Since(string text)
    {
        if (System.Text.RegularExpressions.Regex.IsMatch(text, @"^\s*[0-9.]+\s*(ms|s|m|h|d)\s*$", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            return DateTimeOffset.Now - Durations.Parse(text, "age");
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var time)) return time;
        throw new UsageException($"bad --since '{text}': write a date or time (2026-03-01, '2026-03-01 14:00', ISO 8601) or an age (30m, 2h, 7d)");
    }
}
