using Rewind.Engine;

namespace Rewind.Nbd.Exports;

/// <summary>An export backed by one engine <see cref="VolumeHandle"/>; a thin pass-through.</summary>
internal sealed class PoolExport : IExport
{
    private readonly Pool _pool;
    private readonly VolumeHandle _handle;
    private readonly string _namePrefix;

    public PoolExport(Pool pool, VolumeHandle handle, string namePrefix)
    {
        _pool = pool;
        _handle = handle;
        _namePrefix = namePrefix;
    }

    public string Name => _namePrefix + _handle.Name;

    public string Description => _handle.IsReadOnly
        ? PoolExportCatalog.DescribeSnapshot(_handle.Size, SnapshotCreatedAt())
        : PoolExportCatalog.DescribeVolume(_handle.Size);

    public long Size => _handle.Size;
    public bool IsReadOnly => _handle.IsReadOnly;
    public int PreferredBlockSize => _handle.ClusterSize;

    public void Read(long offset, Span<byte> buffer) => _handle.Read(offset, buffer);
    public void Write(long offset, ReadOnlySpan<byte> data, bool fua) => _handle.Write(offset, data, fua);
    public void Trim(long offset, long length, bool fua) => _handle.Trim(offset, length, fua);
    public void WriteZeroes(long offset, long length, bool fua) => _handle.WriteZeroes(offset, length, fua);
    public void Flush() => _handle.Flush();
    public IReadOnlyList<Extent> GetExtents(long offset, long length) => _handle.GetExtents(offset, length);

    public IReadOnlyList<ByteRange> GetChangedSince(string snapshot, long offset, long length) =>
        _handle.GetChangedSince(snapshot, offset, length);

    public IReadOnlyList<string> ListChangeTrackingBases()
    {
        try
        {
            return _pool.ListSnapshots(VolumeName()).Select(s => s.Name).ToList();
        }
        catch (RewindException e) when (e.Kind == ErrorKind.NotFound)
        {
            return [];
        }
    }

    private string VolumeName()
    {
        string name = _handle.Name;
        int at = name.IndexOf('@');
        return at < 0 ? name : name[..at];
    }

    private DateTimeOffset SnapshotCreatedAt()
    {
        string name = _handle.Name;
        int at = name.IndexOf('@');
        var snap = _pool.ListSnapshots(name[..at]).FirstOrDefault(s => s.Name == name[(at + 1)..]);
        return snap?.CreatedAt ?? default;
    }

    public void Dispose() => _handle.Dispose();
}
