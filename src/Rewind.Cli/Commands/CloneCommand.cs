using Rewind.Cli.CommandLine;

namespace Rewind.Cli.Commands;

/// <summary>clone NAME@SNAP NEWNAME</summary>
public static class CloneCommand
{
    public static readonly CommandSpec Spec = new(
        "clone", ["NAME@SNAP", "NEWNAME"],
        "make a writable volume from a snapshot",
        """
        Creates NEWNAME with the snapshot's content, in constant time: the two share their data until
        either is written. The clone is independent: the snapshot and its volume can be deleted at any time.
        """,
        [], ["rewind clone golden@v1 qa-host-07", "for i in 1 2 3; do rewind clone golden@v1 host$i; done"],
        Run);

    private static int Run(CommandContext c)
    {
        var (volume, snapshot) = Targets.Snapshot(c.Args[0]);
        var info = c.Pool.Clone(volume, snapshot, c.Args[1]);
        if (c.Print.Json) c.Print.WriteJson(info);
        else c.Print.Line($"created volume {info.Name} from {volume}@{snapshot}");
        return 0;
    }
}
