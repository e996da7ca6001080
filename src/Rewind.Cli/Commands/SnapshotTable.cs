using System.Globalization;
using Rewind.Cli.CommandLine;
using Rewind.Cli.Output;
using Rewind.Engine;
using Rewind.Management;

namespace Rewind.Cli.Commands;

/// <summary>How snapshots and group snapshots print as tables and as text.</summary>
public static class SnapshotTable
{
    public static void Write(Printer print, IReadOnlyList<SnapshotInfo> snapshots)
    {
        // REASON is free text, so it goes last and only when some snapshot has one.
        bool reasons = snapshots.Any(s => !string.IsNullOrEmpty(s.Reason));
        string[] headers = ["NAME", "CREATED", "BY", "CONSISTENCY", "GROUP", "HOLDS", "REFERENCED", "UNIQUE"];
        var table = new Table(reasons ? [.. headers, "REASON"] : headers);
        foreach (var s in snapshots)
        {
            string[] cells =
            [
                s.FullName, Time(s.CreatedAt), s.CreatedBy ?? "-", Consistency(s.ApplicationConsistent), s.Group ?? "-",
                Holds(s.Holds), Sizes.Format(s.ReferencedBytes), Sizes.Format(s.UniqueBytes),
            ];
            table.Add(reasons ? [.. cells, s.Reason ?? ""] : cells);
        }
        table.WriteTo(print.Out);
    }

    /// <summary>What a group (or hooked volume) snapshot did: members, the pause, consistency, hooks, warnings.</summary>
    public static void WriteGroupSnapshot(Printer print, GroupSnapshotInfo result)
    {
        print.Line($"created group snapshot {result.Target}@{result.Snapshot}: {result.Members.Count} member(s), " +
                   $"{ConsistencyWords(result.ApplicationConsistent)}, writers paused {Milliseconds(result.PauseMs)}");
        foreach (var m in result.Members) print.Line($"  {m.FullName}");
        WriteHookRuns(print, result.Hooks);
        foreach (var w in result.Warnings) print.Err.WriteLine($"rewind: warning: {w}");
    }

    public static void WriteHookRuns(Printer print, IReadOnlyList<Management.Hooks.HookRun> runs)
    {
        if (runs.Count == 0) return;
        print.Line();
        var table = new Table("HOOK", "PHASE", "RESULT", "TIME", "DETAIL");
        foreach (var r in runs) table.Add(r.Hook, r.Phase, r.Ok ? "ok" : "FAILED", Durations.Format(r.Duration), r.Detail ?? "");
        table.WriteTo(print.Out);
    }

    public static string Time(DateTimeOffset t) => t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Consistency(bool applicationConsistent) => applicationConsistent ? "application" : "crash";

    public static string ConsistencyWords(bool applicationConsistent) => applicationConsistent ? "application-consistent" : "crash-consistent";

    public static string Holds(IReadOnlyList<string> holds) => holds.Count == 0 ? "-" : string.Join(',', holds);

    public static string Milliseconds(double ms) => ms.ToString("0.###", CultureInfo.InvariantCulture) + " ms";
}
