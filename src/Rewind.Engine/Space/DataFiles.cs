using Rewind.Engine.Storage;

namespace Rewind.Engine.Space;

/// <summary>
/// Where slots live: files "data.NNN", each holding up to 1 TiB of clusters back to back, so a slot's
/// place is arithmetic and no file outgrows what ext4 allows. Freed slots are punched out, and a file's
/// free tail is cut off, so space really goes back to the filesystem.
/// </summary>
internal sealed class DataFiles : IDisposable
{
    private const long BytesPerFile = 1L << 40;
    private readonly IStorage _storage;
    private readonly int _clusterSize;
    private readonly uint _slotsPerFile;
    private readonly List<IStorageFile?> _files = new();
    private readonly object _gate = new();
    private volatile bool _dirty;

    public DataFiles(IStorage storage, int clusterSize)
    {
        _storage = storage;
        _clusterSize = clusterSize;
        _slotsPerFile = (uint)(BytesPerFile / clusterSize);
        foreach (var name in storage.List().Where(n => n.StartsWith("data.", StringComparison.Ordinal)).Order())
            if (int.TryParse(name.AsSpan(5), out int index)) File(index, create: false);
    }

    public static string NameOf(int index) => $"data.{index:D3}";

    private IStorageFile File(int index, bool create)
    {
        lock (_gate)
        {
            while (_files.Count <= index) _files.Add(null);
            return _files[index] ??= _storage.Open(NameOf(index), create: true);
        }
    }

    private (IStorageFile File, long Offset) Locate(uint slot) =>
        (File((int)(slot / _slotsPerFile), create: true), (long)(slot % _slotsPerFile) * _clusterSize);

    public string Describe(uint slot) =>
        $"{_storage.Describe(NameOf((int)(slot / _slotsPerFile)))} offset {(long)(slot % _slotsPerFile) * _clusterSize}";

    public void Write(uint slot, ReadOnlySpan<byte> cluster)
    {
        var (file, offset) = Locate(slot);
        file.Write(offset, cluster);
        _dirty = true;
    }

    /// <summary>Writes part of a slot in place (only for slots no durable record names yet).</summary>
    public void Write(uint slot, int offsetInSlot, ReadOnlySpan<byte> bytes)
    {
        var (file, offset) = Locate(slot);
        file.Write(offset + offsetInSlot, bytes);
        _dirty = true;
    }

    /// <summary>Reads part of a slot; bytes past the end of a file read as zeros.</summary>
    public void Read(uint slot, int offsetInSlot, Span<byte> bytes)
    {
        var (file, offset) = Locate(slot);
        int n = file.Read(offset + offsetInSlot, bytes);
        if (n < bytes.Length) bytes[n..].Clear();
    }

    /// <summary>Reads a whole cluster; bytes past the end of a file read as zeros.</summary>
    public void Read(uint slot, Span<byte> cluster)
    {
        var (file, offset) = Locate(slot);
        int n = file.Read(offset, cluster);
        if (n < cluster.Length) cluster[n..].Clear();
    }

    /// <summary>fdatasync every file written since the last sync.</summary>
    public void Sync()
    {
        if (!_dirty) return;
        _dirty = false;
        IStorageFile?[] files;
        lock (_gate) files = _files.ToArray();
        foreach (var f in files) f?.Sync();
    }

    /// <summary>
    /// Gives freed slots' blocks back to the filesystem. Called before the slots become reusable, never
    /// after, so a punch can never hit new data.
    /// </summary>
    public void PunchFree(List<uint> freedSlots)
    {
        freedSlots.Sort();
        int i = 0;
        while (i < freedSlots.Count)
        {
            int j = i + 1;
            while (j < freedSlots.Count && freedSlots[j] == freedSlots[j - 1] + 1) j++;
            PunchRun(freedSlots[i], (uint)(j - i));
            i = j;
        }
    }

    /// <summary>Punches slots [first, first+count), split where the run crosses from one file into the next.</summary>
    public void PunchRun(uint first, uint count)
    {
        while (count > 0)
        {
            uint inThisFile = Math.Min(count, _slotsPerFile - first % _slotsPerFile);
            var (file, offset) = Locate(first);
            if (offset < file.Length) file.PunchHole(offset, (long)inThisFile * _clusterSize);
            first += inThisFile;
            count -= inThisFile;
        }
    }

    /// <summary>Cuts the files down to the slots below <paramref name="highWater"/>. Under the pool lock: nothing may allocate meanwhile.</summary>
    public void Truncate(uint highWater)
    {
        IStorageFile?[] files;
        lock (_gate) files = _files.ToArray();
        for (int index = 0; index < files.Length; index++)
        {
            var f = files[index];
            if (f == null) continue;
            long firstSlot = (long)index * _slotsPerFile;
            long keepSlots = Math.Clamp(highWater - firstSlot, 0, _slotsPerFile);
            long keepBytes = keepSlots * _clusterSize;
            if (f.Length > keepBytes) f.SetLength(keepBytes);
        }
    }

    public long AllocatedBytes
    {
        get
        {
            IStorageFile?[] files;
            lock (_gate) files = _files.ToArray();
            return files.Sum(f => f?.AllocatedBytes ?? 0);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var f in _files) f?.Dispose();
            _files.Clear();
        }
    }
}
