using Rewind.Cli.CommandLine;
using Rewind.Engine;

namespace Rewind.Cli.Commands;

/// <summary>status [POOL]</summary>
public static class StatusCommand
{
    public static readonly CommandSpec Spec = new(
        "status", ["[POOL]"],
        "show each pool's space and contents",
        """
        Shows, for every pool of the site (or only POOL), its directory, cluster size, how many volumes
        and snapshots it holds, and its space: data allocated to volumes and snapshots, space waiting to
        be reclaimed in the background, bytes the data files take on disk, metadata (journal and
        checkpoints), free space left on the filesystem, and the memory the block maps take.
        Exits with status 1 when a pool is unavailable (it did not open; the error says why).
        """,
        [], ["rewind status", "rewind status fast", "rewind status --json"],
        Run)
    {
        Next = ["rewind pool list", "rewind scrub"],
    };

    private sealed record PoolReport(string Name, string Directory, bool IsDefault, string? Error, PoolStatus? Status);

    private static int Run(CommandContext c)
    {
        string? only = c.Args.Optional(0);
        var pools = c.Site.ListPools().Where(p => only == null || p.Name == only).ToList();
        if (only != null && pools.Count == 0)
            throw new RewindException(ErrorKind.NotFound, $"no pool '{only}'; 'rewind pool list' shows the pools");
        var reports = pools.Select(p => new PoolReport(p.Name, p.Directory, p.IsDefault, p.Error, p.Error == null ? c.Site.GetStatus(p.Name) : null)).ToList();
        int exit = reports.Any(r => r.Error != null) ? 1 : 0;
        if (c.Print.Json)
        {
            c.Print.WriteJson(new { pools = reports });
            return exit;
        }
        var p = c.Print;
        for (int i = 0; i < reports.Count; i++)
        {
            var r = reports[i];
            if (i > 0) p.Line();
            p.Line($"pool:            {r.Name} ({r.Directory})");
            if (r.Status is not { } s)
            {
                p.Line($"unavailable:     {r.Error}");
                continue;
            }
            p.Line($"cluster size:    {Sizes.Format(s.ClusterSize)}");
            p.Line($"volumes:         {s.VolumeCount}");
            p.Line($"snapshots:       {s.SnapshotCount}");
            p.Line($"allocated:       {Sizes.Format(s.AllocatedBytes)}");
            p.Line($"pending reclaim: {Sizes.Format(s.PendingFreeBytes)}");
            p.Line($"data on disk:    {Sizes.Format(s.DataFileBytesOnDisk)}");
            p.Line($"metadata:        {Sizes.Format(s.MetadataBytes)}");
            p.Line($"filesystem free: {(s.FilesystemFreeBytes < 0 ? "unknown" : Sizes.Format(s.FilesystemFreeBytes))}");
            p.Line($"map memory:      {Sizes.Format(s.MapMemoryBytes)}");
        }
        return exit;
    }
}
