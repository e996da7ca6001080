using Rewind.Cli.Sites;
using Rewind.Engine;
using Rewind.Management;
using Rewind.Management.Hooks;

namespace Rewind.Cli.Tests;

/// <summary>A read-only device of zeros with one cluster of 0x42, whose extents call everything data.</summary>
public sealed class AllDataDevice(long size, int dataCluster, int clusterSize) : IBlockDevice
{
    public long Size => size;
    public int ClusterSize => clusterSize;

    public void Read(long offset, Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i++) buffer[i] = (offset + i) / clusterSize == dataCluster ? (byte)0x42 : (byte)0;
    }

    public IReadOnlyList<Extent> GetExtents(long offset, long length) => [new Extent(offset, length, IsHole: false)];
    public void Write(long offset, ReadOnlySpan<byte> data) => throw new RewindException(ErrorKind.ReadOnly, "read-only test device");
    public void WriteZeroes(long offset, long length) => throw new RewindException(ErrorKind.ReadOnly, "read-only test device");
    public void Flush() { }
    public void Dispose() { }
}

/// <summary>A site that only opens one device, for testing what commands do with the bytes.</summary>
public sealed class OneDeviceSite(IBlockDevice device) : ISiteApi
{
    public IBlockDevice OpenDevice(string target, bool readOnly) => device;
    public void Dispose() { }

    private static Exception Unused => new NotSupportedException("not used by this test");
    public IReadOnlyList<PoolEntry> ListPools() => throw Unused;
    public PoolEntry AddPool(string name, string directory) => throw Unused;
    public void RemovePool(string name) => throw Unused;
    public PoolStatus GetStatus(string? pool) => throw Unused;
    public ScrubReport Scrub(string? pool, IProgress<double>? progress) => throw Unused;
    public VolumeInfo CreateVolume(string volume, long sizeBytes) => throw Unused;
    public IReadOnlyList<VolumeInfo> ListVolumes() => throw Unused;
    public VolumeInfo GetVolume(string volume) => throw Unused;
    public bool VolumeExists(string volume) => throw Unused;
    public VolumeInfo ResizeVolume(string volume, long sizeBytes) => throw Unused;
    public void RenameVolume(string volume, string newName) => throw Unused;
    public void DeleteVolume(string volume, bool recursive, bool force) => throw Unused;
    public SnapshotInfo CreateSnapshot(string volume, string snapshot, string? reason) => throw Unused;
    public IReadOnlyList<SnapshotInfo> ListSnapshots(string? volume) => throw Unused;
    public void DeleteSnapshot(string volume, string snapshot, bool force) => throw Unused;
    public void Rollback(string volume, string snapshot, bool force) => throw Unused;
    public VolumeInfo Clone(string volume, string snapshot, string newVolume) => throw Unused;
    public IReadOnlyList<ByteRange> Diff(string volume, string from, string? to) => throw Unused;
    public SnapshotInfo Hold(string volume, string snapshot, string tag) => throw Unused;
    public SnapshotInfo Release(string volume, string snapshot, string tag) => throw Unused;
    public IReadOnlyList<GroupInfo> ListGroups() => throw Unused;
    public GroupInfo? FindGroup(string name) => throw Unused;
    public GroupInfo CreateGroup(string name, IReadOnlyList<string> members) => throw Unused;
    public GroupInfo AddGroupMembers(string group, IReadOnlyList<string> members) => throw Unused;
    public GroupInfo RemoveGroupMembers(string group, IReadOnlyList<string> members) => throw Unused;
    public void DeleteGroup(string group) => throw Unused;
    public GroupSnapshotInfo SnapshotGroup(string group, string snapshot, string? reason) => throw Unused;
    public IReadOnlyList<GroupSnapshotEntry> ListGroupSnapshots(string group) => throw Unused;
    public void DeleteGroupSnapshot(string group, string snapshot, bool force) => throw Unused;
    public void RollbackGroup(string group, string snapshot, bool force) => throw Unused;
    public GroupInfo CloneGroup(string group, string snapshot, string prefix) => throw Unused;
    public void HoldGroup(string group, string snapshot, string tag) => throw Unused;
    public void ReleaseGroup(string group, string snapshot, string tag) => throw Unused;
    public IReadOnlyList<HookSpec> ListHooks(string target) => throw Unused;
    public IReadOnlyList<HookSpec> AddHook(string target, HookSpec hook) => throw Unused;
    public IReadOnlyList<HookSpec> RemoveHook(string target, string hook) => throw Unused;
    public IReadOnlyList<ScheduleInfo> ListSchedules() => throw Unused;
    public ScheduleInfo SetSchedule(string target, string schedule, string retention) => throw Unused;
    public void ClearSchedule(string target) => throw Unused;
    public PruneReport Prune(string target, bool dryRun, string? policy) => throw Unused;
    public IReadOnlyList<AuditEntry> ReadAuditLog(int? last, DateTimeOffset? since) => throw Unused;
}
