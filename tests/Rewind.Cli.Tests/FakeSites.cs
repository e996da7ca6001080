using Rewind.Cli.Pools;
using Rewind.Engine;

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

/// <summary>A pool that only opens one device, for testing what commands do with the bytes.</summary>
public sealed class OneDevicePool(IBlockDevice device) : IPoolApi
{
    public IBlockDevice OpenDevice(string target, bool readOnly) => device;
    public void Dispose() { }

    private static Exception Unused => new NotSupportedException("not used by this test");
    public VolumeInfo CreateVolume(string name, long sizeBytes) => throw Unused;
    public IReadOnlyList<VolumeInfo> ListVolumes() => throw Unused;
    public VolumeInfo GetVolume(string name) => throw Unused;
    public bool VolumeExists(string name) => throw Unused;
    public VolumeInfo ResizeVolume(string name, long sizeBytes) => throw Unused;
    public void RenameVolume(string name, string newName) => throw Unused;
    public void DeleteVolume(string name, bool recursive, bool force) => throw Unused;
    public SnapshotInfo CreateSnapshot(string volume, string snapshot) => throw Unused;
    public IReadOnlyList<SnapshotInfo> ListSnapshots(string? volume) => throw Unused;
    public void DeleteSnapshot(string volume, string snapshot, bool force) => throw Unused;
    public void Rollback(string volume, string snapshot, bool force) => throw Unused;
    public VolumeInfo Clone(string volume, string snapshot, string newVolume) => throw Unused;
    public IReadOnlyList<ByteRange> Diff(string volume, string from, string? to) => throw Unused;
    public PoolStatus GetStatus() => throw Unused;
    public ScrubReport Scrub(IProgress<double>? progress) => throw Unused;
}
