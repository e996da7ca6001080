namespace Rewind.Engine;

/// <summary>
/// An open volume (read-write) or snapshot (read-only): the block device every protocol and tool uses.
/// Thread-safe; any byte offset and length inside the device is accepted. Dispose to close.
/// </summary>
public sealed class VolumeHandle : IDisposable
{
    private readonly Pool _pool;
    internal readonly Version Target;
    internal readonly int Epoch;
    private int _disposed;

    internal VolumeHandle(Pool pool, Version target, bool readOnly)
    {
        _pool = pool;
        Target = target;
        Epoch = (target as Volume)?.Epoch ?? 0;
        IsReadOnly = readOnly;
    }

    /// <summary>"volume" or "volume@snapshot" (a renamed volume's handle reports the new name).</summary>
    public string Name => Target is Snapshot s ? $"{s.Volume.Name}@{s.Name}" : ((Volume)Target).Name;

    public bool IsReadOnly { get; }

    /// <summary>Current size in bytes (a volume can be resized while open).</summary>
    public long Size => _pool.SizeOf(this);

    public int ClusterSize => _pool.ClusterSize;

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="offset"/>. Holes read as zeros.</summary>
    public void Read(long offset, Span<byte> buffer) => _pool.Read(this, offset, buffer);

    /// <summary>Writes; with <paramref name="fua"/> the data is durable when this returns.</summary>
    public void Write(long offset, ReadOnlySpan<byte> data, bool fua = false) => _pool.Write(this, offset, data, fua);

    /// <summary>Discards a range: it reads as zeros afterwards and whole clusters give their space back.</summary>
    public void Trim(long offset, long length, bool fua = false) => _pool.Zero(this, offset, length, fua);

    /// <summary>Makes a range read as zeros. Whole clusters become holes (fast, no space used).</summary>
    public void WriteZeroes(long offset, long length, bool fua = false) => _pool.Zero(this, offset, length, fua);

    /// <summary>Every write acknowledged before this call survives a crash once it returns.</summary>
    public void Flush() => _pool.Flush();

    /// <summary>Data and hole runs covering [offset, offset+length), at cluster granularity.</summary>
    public IReadOnlyList<Extent> GetExtents(long offset, long length) => _pool.GetExtents(this, offset, length);

    /// <summary>
    /// Runs in [offset, offset+length) whose content may differ from snapshot <paramref name="snapshot"/>
    /// of the same volume: changed-block tracking for incremental backups.
    /// </summary>
    public IReadOnlyList<ByteRange> GetChangedSince(string snapshot, long offset, long length) =>
        _pool.ChangedSince(this, snapshot, offset, length);

    /// <summary>False once the volume was rolled back with force, or the volume or snapshot deleted.</summary>
    public bool IsValid => _pool.IsHandleValid(this);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _pool.CloseHandle(this);
    }
}
