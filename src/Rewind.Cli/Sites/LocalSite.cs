using Rewind.Engine;

namespace Rewind.Cli.Pools;

/// <summary>The pool opened in this process for the length of one command.</summary>
public sealed class LocalPool(Pool pool) : IPoolApi
{
    public static LocalPool Open(string directory, string holderDescription) =>
        new(Pool.Open(directory, new PoolOptions { HolderDescription = holderDescription }));

    public VolumeInfo CreateVolume(string name, long sizeBytes) => pool.CreateVolume(name, sizeBytes);
    public IReadOnlyList<VolumeInfo> ListVolumes() => pool.ListVolumes();
    public VolumeInfo GetVolume(string name) => pool.GetVolume(name);
    public bool VolumeExists(string name) => pool.VolumeExists(name);
    public VolumeInfo ResizeVolume(string name, long sizeBytes) => pool.ResizeVolume(name, sizeBytes);
    public void RenameVolume(string name, string newName) => pool.RenameVolume(name, newName);
    public void DeleteVolume(string name, bool recursive, bool force) => pool.DeleteVolume(name, recursive, force);

    public SnapshotInfo CreateSnapshot(string volume, string snapshot) => pool.CreateSnapshot(volume, snapshot);
    public IReadOnlyList<SnapshotInfo> ListSnapshots(string? volume) => pool.ListSnapshots(volume);
    public void DeleteSnapshot(string volume, string snapshot, bool force) => pool.DeleteSnapshot(volume, snapshot, force);
    public void Rollback(string volume, string snapshot, bool force) => pool.Rollback(volume, snapshot, force);
    public VolumeInfo Clone(string volume, string snapshot, string newVolume) => pool.Clone(volume, snapshot, newVolume);
    public IReadOnlyList<ByteRange> Diff(string volume, string from, string? to) => pool.Diff(volume, from, to);

    public PoolStatus GetStatus() => pool.GetStatus();
    public ScrubReport Scrub(IProgress<double>? progress) => pool.Scrub(progress);

    public IBlockDevice OpenDevice(string target, bool readOnly) => new LocalDevice(pool.Open(target, readOnly));

    public void Dispose() => pool.Dispose();
}
