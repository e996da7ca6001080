using Rewind.Cli.CommandLine;
using Rewind.Cli.Output;
using Rewind.Engine;
using Rewind.Management;

namespace Rewind.Cli.Commands;

/// <summary>snapshot TARGET@SNAP | snapshot list [TARGET] | snapshot delete TARGET@SNAP — TARGET a volume or a group.</summary>
public static class SnapshotCommands
{
    public static readonly CommandSpec Create = new(
        "snapshot", ["TARGET@SNAP"],
        "take a snapshot of a volume, or of every volume of a group at one instant",
        """
        Records the content as it is now, under the name SNAP. It costs nothing to take and takes no
        space until the volume is written; writes acknowledged before the command are in it.
        TARGET is a volume ("web"), a volume in another pool ("fast/web") or a group: a group snapshot
        cuts every member (in any pools) at one instant, pausing their writers only for that instant,
        and exists in every member or in none. Quiesce hooks of the group and its members run around
        the cut ('rewind hook add'); the snapshot is then application-consistent, else crash-consistent.
        A failing pre hook means no snapshot at all, and the error names the hook.
        Snapshots are read-only: export one, clone it, diff it, roll back to it, hold it.
        """,
        [new("--reason", "TEXT", "why it is taken, kept with the snapshot and shown by 'snapshot list'")],
        [
            "rewind snapshot web@before-upgrade --reason 'kernel 6.8 upgrade'",
            "rewind snapshot fast/db@$(date +%F)",
            "rewind snapshot stack@nightly        # a group: every member at one instant",
        ],
        RunCreate)
    {
        Next = ["rewind snapshot list web", "rewind hold web@before-upgrade", "rewind rollback web@before-upgrade", "rewind clone web@before-upgrade web-test"],
    };

    public static readonly CommandSpec List = new(
        "snapshot list", ["[TARGET]"],
        "list snapshots (of one volume or group, or all) with who took them and why",
        """
        Lists snapshots, oldest first per volume. BY is who took it (a user, or "schedule:TARGET"),
        CONSISTENCY "application" when quiesce hooks ran around it and "crash" otherwise, GROUP the group
        whose snapshot it is part of, HOLDS the tags that keep it from deletion and pruning. REFERENCED is
        the data the snapshot maps, UNIQUE what deleting this snapshot alone would free. REASON shows
        when any snapshot has one. For a group TARGET, one line per group snapshot.
        --json gives every field, for a group each member's snapshot too.
        """,
        [], ["rewind snapshot list", "rewind snapshot list fast/web", "rewind snapshot list stack --json"],
        RunList);

    public static readonly CommandSpec Delete = new(
        "snapshot delete", ["TARGET@SNAP"],
        "delete a snapshot (of a group: from every member)",
        """
        Deletes a snapshot. Other snapshots, the volume and clones made from it are unaffected; its
        unique space returns in the background. A held snapshot is refused until every hold is released
        ('rewind release'). For a group, the snapshot goes from every member, or (when one is held) from none.
        """,
        [new("--force", null, "delete even while the snapshot is open (its readers become stale)")],
        ["rewind snapshot delete web@before-upgrade", "rewind snapshot delete stack@nightly"],
        RunDelete);

    public static IEnumerable<CommandSpec> All => [Create, List, Delete];

    private static int RunCreate(CommandContext c)
    {
        var (target, snapshot) = Targets.Snapshot(c.Args[0]);
        string? reason = c.Args.Value("--reason");
        if (GroupTargets.GroupOrNull(c.Site, target) is { } group)
        {
            var result = c.Site.SnapshotGroup(group.Name, snapshot, reason);
            if (c.Print.Json) c.Print.WriteJson(result);
            else SnapshotTable.WriteGroupSnapshot(c.Print, result);
            return 0;
        }
        var info = c.Site.CreateSnapshot(target, snapshot, reason);
        if (c.Print.Json) c.Print.WriteJson(info);
        else c.Print.Line($"created snapshot {info.FullName} ({SnapshotTable.ConsistencyWords(info.ApplicationConsistent)})");
        return 0;
    }

    private static int RunList(CommandContext c)
    {
        string? target = c.Args.Optional(0);
        if (target != null && GroupTargets.GroupOrNull(c.Site, target) is { } group) return ListGroup(c, group);
        var snapshots = c.Site.ListSnapshots(target);
        if (c.Print.Json)
        {
            c.Print.WriteJson(new { snapshots });
            return 0;
        }
        if (snapshots.Count == 0)
        {
            c.Print.Line(target == null
                ? "no snapshots; take one with 'rewind snapshot VOLUME@NAME'"
                : $"volume {target} has no snapshots; take one with 'rewind snapshot {target}@NAME'");
            return 0;
        }
        SnapshotTable.Write(c.Print, snapshots);
        return 0;
    }

    private sealed record GroupSnapshotRow(
        string Name, string FullName, DateTimeOffset CreatedAt, string? CreatedBy, string? Reason, bool ApplicationConsistent,
        bool Held, IReadOnlyList<string> Holds, IReadOnlyList<SnapshotInfo> Members);

    private static int ListGroup(CommandContext c, GroupInfo group)
    {
        var perMember = group.Members.Select(m => c.Site.ListSnapshots(m).Where(s => s.Group == group.Name).ToList()).ToList();
        var rows = c.Site.ListGroupSnapshots(group.Name)
            .OrderBy(e => e.CreatedAt)
            .Select(e =>
            {
                var members = perMember.Select(list => list.FirstOrDefault(s => s.Name == e.Name)).OfType<SnapshotInfo>().ToList();
                var first = members.FirstOrDefault();
                var holds = members.SelectMany(m => m.Holds).Distinct().ToList();
                return new GroupSnapshotRow(e.Name, $"{group.Name}@{e.Name}", e.CreatedAt, first?.CreatedBy, first?.Reason,
                    first?.ApplicationConsistent ?? false, e.Held, holds, members);
            })
            .ToList();
        if (c.Print.Json)
        {
            c.Print.WriteJson(new { group = group.Name, members = group.Members, snapshots = rows });
            return 0;
        }
        if (rows.Count == 0)
        {
            c.Print.Line($"group {group.Name} has no snapshots; take one with 'rewind snapshot {group.Name}@NAME'");
            return 0;
        }
        bool reasons = rows.Any(r => !string.IsNullOrEmpty(r.Reason));
        string[] headers = ["NAME", "CREATED", "BY", "CONSISTENCY", "HOLDS", "MEMBERS"];
        var table = new Table(reasons ? [.. headers, "REASON"] : headers);
        foreach (var r in rows)
        {
            string[] cells =
            [
                r.FullName, SnapshotTable.Time(r.CreatedAt), r.CreatedBy ?? "-", SnapshotTable.Consistency(r.ApplicationConsistent),
                SnapshotTable.Holds(r.Holds), r.Members.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ];
            table.Add(reasons ? [.. cells, r.Reason ?? ""] : cells);
        }
        table.WriteTo(c.Print.Out);
        return 0;
    }

    private static int RunDelete(CommandContext c)
    {
        var (target, snapshot) = Targets.Snapshot(c.Args[0]);
        bool force = c.Args.Has("--force");
        if (GroupTargets.GroupOrNull(c.Site, target) is { } group)
        {
            c.Site.DeleteGroupSnapshot(group.Name, snapshot, force);
            if (c.Print.Json) c.Print.WriteJson(new { deleted = $"{group.Name}@{snapshot}", members = group.Members });
            else c.Print.Line($"deleted group snapshot {group.Name}@{snapshot} from {group.Members.Count} member(s)");
            return 0;
        }
        c.Site.DeleteSnapshot(target, snapshot, force);
        if (c.Print.Json) c.Print.WriteJson(new { deleted = $"{target}@{snapshot}" });
        else c.Print.Line($"deleted snapshot {target}@{snapshot}");
        return 0;
    }
}
