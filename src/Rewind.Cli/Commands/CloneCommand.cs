using Rewind.Cli.CommandLine;

namespace Rewind.Cli.Commands;

/// <summary>clone TARGET@SNAP NEWNAME — a volume, or a whole group under a name prefix.</summary>
public static class CloneCommand
{
    public static readonly CommandSpec Spec = new(
        "clone", ["TARGET@SNAP", "NEWNAME"],
        "make writable volumes from a snapshot (of a group: the whole group)",
        """
        Creates NEWNAME with the snapshot's content, in constant time: the two share their data until
        either is written. The clone is independent: the snapshot and its volume can be deleted at any
        time. A clone stays in its snapshot's pool (NEWNAME may be bare or "POOL/NAME" of that pool).
        For a group snapshot NEWNAME is a PREFIX: every member is cloned in its own pool as
        PREFIX+volume, and they form a new group PREFIX+group - a whole machine or stack from its
        golden master.
        """,
        [],
        [
            "rewind clone golden@v1 qa-host-07",
            "for i in 1 2 3; do rewind clone golden@v1 host$i; done",
            "rewind clone stack@golden test1-      # volumes test1-vm1, fast/test1-db ...; group test1-stack",
        ],
        Run)
    {
        Next = ["rewind volume list", "rewind group info test1-stack"],
    };

    private static int Run(CommandContext c)
    {
        var (target, snapshot) = Targets.Snapshot(c.Args[0]);
        if (GroupTargets.GroupOrNull(c.Site, target) is { } group)
        {
            var clone = c.Site.CloneGroup(group.Name, snapshot, c.Args[1]);
            if (c.Print.Json) c.Print.WriteJson(clone);
            else c.Print.Line($"created group {clone.Name} from {group.Name}@{snapshot}: {string.Join(", ", clone.Members)}");
            return 0;
        }
        var info = c.Site.Clone(target, snapshot, c.Args[1]);
        if (c.Print.Json) c.Print.WriteJson(info);
        else c.Print.Line($"created volume {info.Name} from {target}@{snapshot}");
        return 0;
    }
}
