using Rewind.Cli.CommandLine;
using Rewind.Cli.Output;
using Rewind.Engine;

namespace Rewind.Cli.Commands;

/// <summary>snapshot NAME@SNAP | snapshot list [NAME] | snapshot delete NAME@SNAP</summary>
public static class SnapshotCommands
{
    public static readonly CommandSpec Create = new(
        "snapshot", ["NAME@SNAP"],
        "take a snapshot of a volume",
        """
        Records the volume's content as it is now, under the name SNAP. It costs nothing to take and
        takes no space until the volume is written; writes acknowledged before the command are in it.
        Snapshots are read-only: export one, clone it, diff it, or roll the volume back to it.
        """,
        [], ["rewind snapshot web@before-upgrade", "rewind snapshot web@$(date +%F)"],
        RunCreate);

    public static readonly CommandSpec List = new(
        "snapshot list", ["[NAME]"],
        "list snapshots (of one volume, or all)",
        """
        Lists snapshots, oldest first per volume. REFERENCED is the data the snapshot maps, UNIQUE what
        deleting this snapshot alone would free.
        """,
        [], ["rewind snapshot list", "rewind snapshot list web --json"],
        RunList);

    public static readonly CommandSpec Delete = new(
        "snapshot delete", ["NAME@SNAP"],
        "delete a snapshot",
        """
        Deletes a snapshot. Other snapshots, the volume and clones made from it are unaffected; its
        unique space returns in the background.
        """,
        [new("--force", null, "delete even while the snapshot is open (its readers become stale)")],
        ["rewind snapshot delete web@before-upgrade"],
        RunDelete);

    public static IEnumerable<CommandSpec> All => [Create, List, Delete];

    private static int RunCreate(CommandContext c)
    {
        var (volume, snapshot) = Targets.Snapshot(c.Args[0]);
        var info = c.Pool.CreateSnapshot(volume, snapshot);
        if (c.Print.Json) c.Print.WriteJson(info);
        else c.Print.Line($"created snapshot {info.FullName}");
        return 0;
    }

    private static int RunList(CommandContext c)
    {
        string? volume = c.Args.Optional(0);
        var snapshots = c.Pool.ListSnapshots(volume);
        if (c.Print.Json)
        {
            c.Print.WriteJson(new { snapshots });
            return 0;
        }
        if (snapshots.Count == 0)
        {
            c.Print.Line(volume == null
                ? "no snapshots; take one with 'rewind snapshot VOLUME@NAME'"
                : $"volume {volume} has no snapshots; take one with 'rewind snapshot {volume}@NAME'");
            return 0;
        }
        WriteTable(c.Print, snapshots);
        return 0;
    }

    private static int RunDelete(CommandContext c)
    {
        var (volume, snapshot) = Targets.Snapshot(c.Args[0]);
        c.Pool.DeleteSnapshot(volume, snapshot, c.Args.Has("--force"));
        if (c.Print.Json) c.Print.WriteJson(new { deleted = $"{volume}@{snapshot}" });
        else c.Print.Line($"deleted snapshot {volume}@{snapshot}");
        return 0;
    }

    public static void WriteTable(Printer print, IEnumerable<SnapshotInfo> snapshots)
    {
        var table = new Table("NAME", "SIZE", "REFERENCED", "UNIQUE", "CREATED");
        foreach (var s in snapshots)
        {
            table.Add(s.FullName, Sizes.Format(s.SizeBytes), Sizes.Format(s.ReferencedBytes), Sizes.Format(s.UniqueBytes),
                s.CreatedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss"));
        }
        table.WriteTo(print.Out);
    }
}
