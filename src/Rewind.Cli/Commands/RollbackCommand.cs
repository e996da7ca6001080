using Rewind.Cli.CommandLine;

namespace Rewind.Cli.Commands;

/// <summary>rollback NAME@SNAP</summary>
public static class RollbackCommand
{
    public static readonly CommandSpec Spec = new(
        "rollback", ["NAME@SNAP"],
        "make a volume's content exactly a snapshot's",
        """
        Rolls the volume back to the snapshot in constant time: nothing is copied. Every other snapshot,
        older or newer, stays. Writes made since the snapshot are discarded (take a snapshot first to
        keep them). Refused while the volume is open unless --force, which makes the open handles stale.
        """,
        [new("--force", null, "roll back even while the volume is open (its open handles become stale)")],
        ["rewind rollback web@before-upgrade", "rewind snapshot web@mistake && rewind rollback web@before-upgrade"],
        Run);

    private static int Run(CommandContext c)
    {
        var (volume, snapshot) = Targets.Snapshot(c.Args[0]);
        c.Pool.Rollback(volume, snapshot, c.Args.Has("--force"));
        if (c.Print.Json) c.Print.WriteJson(c.Pool.GetVolume(volume));
        else c.Print.Line($"rolled volume {volume} back to {volume}@{snapshot}");
        return 0;
    }
}
