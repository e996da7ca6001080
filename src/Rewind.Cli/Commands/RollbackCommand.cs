using Rewind.Cli.CommandLine;

namespace Rewind.Cli.Commands;

/// <summary>rollback TARGET@SNAP — a volume, or every member of a group together.</summary>
public static class RollbackCommand
{
    public static readonly CommandSpec Spec = new(
        "rollback", ["TARGET@SNAP"],
        "make a volume's (or a whole group's) content exactly a snapshot's",
        """
        Rolls the volume back to the snapshot in constant time: nothing is copied. Every other snapshot,
        older or newer, stays. Writes made since the snapshot are discarded (take a snapshot first to
        keep them). Refused while the volume is open unless --force, which makes the open handles stale
        (NBD clients are disconnected).
        For a group, every member rolls back to the group snapshot together, or none does.
        """,
        [new("--force", null, "roll back even while a volume is open (its open handles become stale)")],
        [
            "rewind rollback web@before-upgrade",
            "rewind snapshot web@mistake && rewind rollback web@before-upgrade",
            "rewind rollback stack@nightly --force   # every member of group 'stack'",
        ],
        Run)
    {
        Next = ["rewind snapshot list web", "rewind diff web@before-upgrade web"],
    };

    private static int Run(CommandContext c)
    {
        var (target, snapshot) = Targets.Snapshot(c.Args[0]);
        bool force = c.Args.Has("--force");
        if (GroupTargets.GroupOrNull(c.Site, target) is { } group)
        {
            c.Site.RollbackGroup(group.Name, snapshot, force);
            if (c.Print.Json) c.Print.WriteJson(new { group = group.Name, snapshot, volumes = group.Members.Select(c.Site.GetVolume).ToList() });
            else c.Print.Line($"rolled group {group.Name} back to {group.Name}@{snapshot}: {string.Join(", ", group.Members)}");
            return 0;
        }
        c.Site.Rollback(target, snapshot, force);
        if (c.Print.Json) c.Print.WriteJson(c.Site.GetVolume(target));
        else c.Print.Line($"rolled volume {target} back to {target}@{snapshot}");
        return 0;
    }
}
