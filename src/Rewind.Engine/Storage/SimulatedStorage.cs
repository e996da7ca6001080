namespace Rewind.Engine.Storage;

/// <summary>
/// An in-memory directory that behaves like a disk under a page cache: writes are volatile until
/// <see cref="IStorageFile.Sync"/>. <see cref="Crash"/> returns what a power cut would leave — the synced
/// bytes plus an arbitrary subset of unsynced writes, some of them torn at a sector boundary.
/// Faults on demand: failing fsync, flipping bits. Directory operations are durable at once.
/// </summary>
public sealed class SimulatedStorage : IStorage
{
    private const int PageSize = 4096;
    private readonly object _gate = new();
    private readonly Dictionary<string, SimFile> _files = new(StringComparer.Ordinal);
    private bool _locked;

    /// <summary>When positive, the n-th following Sync call (1 = the next) throws an I/O error.</summary>
    public int FailSyncAfter { get; set; }

    public long FreeBytes => 1L << 40;

    public string Describe(string name) => "sim:" + name;

    public IStorageFile Open(string name, bool create)
    {
        lock (_gate)
        {
            if (!_files.TryGetValue(name, out var file))
            {
                if (!create) throw new FileNotFoundException($"no such file {name}");
                file = new SimFile(this, name);
                _files[name] = file;
            }
            return new Handle(file);
        }
    }

    public bool Exists(string name) { lock (_gate) return _files.ContainsKey(name); }

    public void Delete(string name) { lock (_gate) _files.Remove(name); }

    public IReadOnlyList<string> List() { lock (_gate) return _files.Keys.ToList(); }

    public void SyncDirectory() { }

    public IDisposable AcquireLock(string holderDescription)
    {
        lock (_gate)
        {
            if (_locked) throw new RewindException(ErrorKind.Busy, "simulated pool is already open by another instance");
            _locked = true;
            return new Unlocker(this);
        }
    }

    private sealed class Unlocker(SimulatedStorage owner) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            lock (owner._gate) { if (!_done) { owner._locked = false; _done = true; } }
        }
    }

    /// <summary>
    /// What survives a power cut now: every synced byte, and each unsynced write independently either
    /// lost, kept, or (when <paramref name="tear"/>) cut after a random number of 512-byte sectors.
    /// </summary>
    public SimulatedStorage Crash(Random random, bool tear = true)
    {
        lock (_gate)
        {
            var after = new SimulatedStorage();
            foreach (var (name, file) in _files)
                after._files[name] = file.Survivor(after, random, tear);
            return after;
        }
    }

    /// <summary>Flips one bit in both the durable and the visible copy: a bad sector, not a lost write.</summary>
    public void FlipBit(string name, long offset, int bit = 0)
    {
        lock (_gate)
        {
            var file = _files[name];
            file.FlipBit(offset, bit);
        }
    }

    public long FileLength(string name) { lock (_gate) return _files[name].CurrentLength; }

    private bool ConsumeSyncFailure()
    {
        if (FailSyncAfter <= 0) return false;
        FailSyncAfter--;
        return FailSyncAfter == 0;
    }

    private sealed class SimFile
    {
        private readonly SimulatedStorage _owner;
        private readonly Dictionary<long, byte[]> _current = new();
        private readonly Dictionary<long, byte[]> _durable = new();
        private readonly List<(long Offset, byte[] Data)> _pending = new();
        public long CurrentLength;
        private long _durableLength;
        public readonly string Name;

        public SimFile(SimulatedStorage owner, string name)
        {
            _owner = owner;
            Name = name;
        }

        private static void WritePages(Dictionary<long, byte[]> pages, long offset, ReadOnlySpan<byte> data)
        {
            int done = 0;
            while (done < data.Length)
            {
                long pos = offset + done;
                long page = pos / PageSize;
                int inPage = (int)(pos % PageSize);
                int n = Math.Min(PageSize - inPage, data.Length - done);
                if (!pages.TryGetValue(page, out var bytes)) pages[page] = bytes = new byte[PageSize];
                data.Slice(done, n).CopyTo(bytes.AsSpan(inPage, n));
                done += n;
            }
        }

        private static void Truncate(Dictionary<long, byte[]> pages, long length)
        {
            foreach (var page in pages.Keys.ToList())
            {
                long start = page * PageSize;
                if (start >= length) pages.Remove(page);
                else if (start + PageSize > length)
                    pages[page].AsSpan((int)(length - start)).Clear();
            }
        }

        public int Read(long offset, Span<byte> buffer)
        {
            lock (_owner._gate)
            {
                if (offset >= CurrentLength) return 0;
                int n = (int)Math.Min(buffer.Length, CurrentLength - offset);
                int done = 0;
                while (done < n)
                {
                    long pos = offset + done;
                    long page = pos / PageSize;
                    int inPage = (int)(pos % PageSize);
                    int k = Math.Min(PageSize - inPage, n - done);
                    if (_current.TryGetValue(page, out var bytes)) bytes.AsSpan(inPage, k).CopyTo(buffer.Slice(done, k));
                    else buffer.Slice(done, k).Clear();
                    done += k;
                }
                return n;
            }
        }

        public void Write(long offset, ReadOnlySpan<byte> data)
        {
            lock (_owner._gate)
            {
                WritePages(_current, offset, data);
                CurrentLength = Math.Max(CurrentLength, offset + data.Length);
                _pending.Add((offset, data.ToArray()));
            }
        }

        public void Sync()
        {
            lock (_owner._gate)
            {
                if (_owner.ConsumeSyncFailure()) throw new IOException($"simulated fsync failure on {Name}");
                foreach (var (off, data) in _pending) WritePages(_durable, off, data);
                _pending.Clear();
                _durableLength = CurrentLength;
            }
        }

        public void SetLength(long length)
        {
            lock (_owner._gate)
            {
                // Truncation is treated as a durable metadata change, as ext4 orders it with the journal.
                foreach (var (off, data) in _pending) WritePages(_durable, off, data);
                _pending.Clear();
                CurrentLength = _durableLength = length;
                Truncate(_current, length);
                Truncate(_durable, length);
            }
        }

        public void PunchHole(long offset, long length)
        {
            lock (_owner._gate)
            {
                var zeros = new byte[length];
                WritePages(_current, offset, zeros);
                _pending.Add((offset, zeros));
                foreach (var page in _current.Keys.ToList())
                {
                    long start = page * PageSize;
                    if (start >= offset && start + PageSize <= offset + length) _current.Remove(page);
                }
            }
        }

        public long AllocatedBytes { get { lock (_owner._gate) return (long)_current.Count * PageSize; } }

        public void FlipBit(long offset, int bit)
        {
            Span<byte> one = stackalloc byte[1];
            foreach (var pages in new[] { _current, _durable })
            {
                long page = offset / PageSize;
                if (!pages.TryGetValue(page, out var bytes)) pages[page] = bytes = new byte[PageSize];
                bytes[offset % PageSize] ^= (byte)(1 << bit);
            }
        }

        public SimFile Survivor(SimulatedStorage newOwner, Random random, bool tear)
        {
            var copy = new SimFile(newOwner, Name);
            foreach (var (page, bytes) in _durable) copy._durable[page] = (byte[])bytes.Clone();
            long length = _durableLength;
            foreach (var (off, data) in _pending)
            {
                int choice = random.Next(tear ? 3 : 2);
                if (choice == 0) continue; // lost
                int keep = data.Length;
                if (choice == 2 && data.Length > 512)
                    keep = random.Next(data.Length / 512) * 512; // torn at a sector boundary
                if (keep == 0) continue;
                WritePages(copy._durable, off, data.AsSpan(0, keep));
                length = Math.Max(length, off + keep);
            }
            foreach (var (page, bytes) in copy._durable) copy._current[page] = (byte[])bytes.Clone();
            copy._durableLength = copy.CurrentLength = length;
            return copy;
        }
    }

    private sealed class Handle(SimFile file) : IStorageFile
    {
        public string Name => file.Name;
        public long Length => file.CurrentLength;
        public int Read(long offset, Span<byte> buffer) => file.Read(offset, buffer);
        public void Write(long offset, ReadOnlySpan<byte> data) => file.Write(offset, data);
        public void Sync() => file.Sync();
        public void SetLength(long length) => file.SetLength(length);
        public void PunchHole(long offset, long length) => file.PunchHole(offset, length);
        public long AllocatedBytes => file.AllocatedBytes;
        public void Dispose() { }
    }
}
