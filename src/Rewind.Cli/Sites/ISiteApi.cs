using Rewind.Engine;

namespace Rewind.Cli.Pools;

/// <summary>
/// The pool operations the commands use. Today <see cref="LocalPool"/> opens the pool in this process;
/// when a daemon holds the pool, a client of its API socket implements the same interface and no
/// command changes.
/// </summary>
public interface IPoolApi : IDisposable
{
    VolumeInfo CreateVolume(string name, long sizeBytes);
    IReadOnlyList<VolumeInfo> ListVolumes();
    VolumeInfo GetVolume(string name);
    bool VolumeExists(string name);
    VolumeInfo ResizeVolume(string name, long sizeBytes);
    void RenameVolume(string name, string newName);
    void DeleteVolume(string name, bool recursive, bool force);

    SnapshotInfo CreateSnapshot(string volume, string snapshot);
    IReadOnlyList<SnapshotInfo> ListSnapshots(string? volume);
    void DeleteSnapshot(string volume, string snapshot, bool force);
    void Rollback(string volume, string snapshot, bool force);
    VolumeInfo Clone(string volume, string snapshot, string newVolume);
    IReadOnlyList<ByteRange> Diff(string volume, string from, string? to);

    PoolStatus GetStatus();
    ScrubReport Scrub(IProgress<double>? progress);

    /// <summary>Opens "volume" (read-write unless asked) or "volume@snapshot" (always read-only) for block I/O.</summary>
    IBlockDevice OpenDevice(string target, bool readOnly);
}
