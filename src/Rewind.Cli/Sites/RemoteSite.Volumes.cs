using Rewind.Engine;
using Rewind.Management;

namespace Rewind.Cli.Sites;

/// <summary>Pools, volumes and volume snapshots over the daemon's API (routes in docs/api.md).</summary>
public sealed partial class RemoteSite
{
    public IReadOnlyList<PoolEntry> ListPools() => Send<List<PoolEntry>>(HttpMethod.Get, "pools");
    public PoolEntry AddPool(string name, string directory) => Send<PoolEntry>(HttpMethod.Post, "pools", new { name, directory });
    public void RemovePool(string name) => Send(HttpMethod.Delete, $"pools/{E(name)}");
    public PoolStatus GetStatus(string? pool) => Send<PoolStatus>(HttpMethod.Get, "status" + PoolQuery(pool));

    public ScrubReport Scrub(string? pool, IProgress<double>? progress)
    {
        var report = Send<ScrubReport>(HttpMethod.Post, "scrub" + PoolQuery(pool));
        progress?.Report(1);
        return report;
    }

    private static string PoolQuery(string? pool) => pool == null ? "" : $"?pool={E(pool)}";

    public VolumeInfo CreateVolume(string volume, long sizeBytes) => Send<VolumeInfo>(HttpMethod.Post, "volumes", new { name = volume, size = sizeBytes });
    public IReadOnlyList<VolumeInfo> ListVolumes() => Send<List<VolumeInfo>>(HttpMethod.Get, "volumes");
    public VolumeInfo GetVolume(string volume) => Send<VolumeInfo>(HttpMethod.Get, $"volumes/{E(volume)}");

    public bool VolumeExists(string volume)
    {
        try { GetVolume(volume); return true; }
        catch (RewindException e) when (e.Kind == ErrorKind.NotFound) { return false; }
    }

    public VolumeInfo ResizeVolume(string volume, long sizeBytes) => Send<VolumeInfo>(HttpMethod.Post, $"volumes/{E(volume)}/resize", new { size = sizeBytes });
    public void RenameVolume(string volume, string newName) => Send(HttpMethod.Post, $"volumes/{E(volume)}/rename", new { newName });
    public void DeleteVolume(string volume, bool recursive, bool force) =>
        Send(HttpMethod.Delete, $"volumes/{E(volume)}?recursive={recursive}&force={force}");

    public SnapshotInfo CreateSnapshot(string volume, string snapshot, string? reason) =>
        Send<SnapshotInfo>(HttpMethod.Post, $"volumes/{E(volume)}/snapshots", new { name = snapshot, reason });
    public IReadOnlyList<SnapshotInfo> ListSnapshots(string? volume) =>
        Send<List<SnapshotInfo>>(HttpMethod.Get, volume == null ? "snapshots" : $"snapshots?volume={E(volume)}");
    public void DeleteSnapshot(string volume, string snapshot, bool force) =>
        Send(HttpMethod.Delete, $"volumes/{E(volume)}/snapshots/{E(snapshot)}?force={force}");
    public void Rollback(string volume, string snapshot, bool force) =>
        Send(HttpMethod.Post, $"volumes/{E(volume)}/rollback", new { snapshot, force });
    public VolumeInfo Clone(string volume, string snapshot, string newVolume) =>
        Send<VolumeInfo>(HttpMethod.Post, $"volumes/{E(volume)}/snapshots/{E(snapshot)}/clone", new { newName = newVolume });
    public IReadOnlyList<ByteRange> Diff(string volume, string from, string? to) =>
        Send<List<ByteRange>>(HttpMethod.Get, $"volumes/{E(volume)}/diff?from={E(from)}" + (to == null ? "" : $"&to={E(to)}"));
    public SnapshotInfo Hold(string volume, string snapshot, string tag) =>
        Send<SnapshotInfo>(HttpMethod.Post, $"volumes/{E(volume)}/snapshots/{E(snapshot)}/hold", new { tag });
    public SnapshotInfo Release(string volume, string snapshot, string tag) =>
        Send<SnapshotInfo>(HttpMethod.Post, $"volumes/{E(volume)}/snapshots/{E(snapshot)}/release", new { tag });
}
