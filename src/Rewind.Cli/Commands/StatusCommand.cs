using Rewind.Cli.CommandLine;

namespace Rewind.Cli.Commands;

/// <summary>status</summary>
public static class StatusCommand
{
    public static readonly CommandSpec Spec = new(
        "status", [],
        "show the pool's space and contents",
        """
        Shows the pool directory, its cluster size, how many volumes and snapshots it holds, and its
        space: data allocated to volumes and snapshots, space waiting to be reclaimed in the background,
        bytes the data files take on disk, metadata (journal and checkpoints), free space left on the
        filesystem, and the memory the block maps take.
        """,
        [], ["rewind status", "rewind status --json"],
        Run);

    private static int Run(CommandContext c)
    {
        var s = c.Pool.GetStatus();
        if (c.Print.Json)
        {
            c.Print.WriteJson(s);
            return 0;
        }
        var p = c.Print;
        p.Line($"pool:            {s.Directory}");
        p.Line($"cluster size:    {Sizes.Format(s.ClusterSize)}");
        p.Line($"volumes:         {s.VolumeCount}");
        p.Line($"snapshots:       {s.SnapshotCount}");
        p.Line($"allocated:       {Sizes.Format(s.AllocatedBytes)}");
        p.Line($"pending reclaim: {Sizes.Format(s.PendingFreeBytes)}");
        p.Line($"data on disk:    {Sizes.Format(s.DataFileBytesOnDisk)}");
        p.Line($"metadata:        {Sizes.Format(s.MetadataBytes)}");
        p.Line($"filesystem free: {(s.FilesystemFreeBytes < 0 ? "unknown" : Sizes.Format(s.FilesystemFreeBytes))}");
        p.Line($"map memory:      {Sizes.Format(s.MapMemoryBytes)}");
        return 0;
    }
}
