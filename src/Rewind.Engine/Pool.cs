using System.Buffers;
using Rewind.Engine.Journal;
using Rewind.Engine.Map;
using Rewind.Engine.Space;
using Rewind.Engine.Storage;

namespace Rewind.Engine;

/// <summary>
/// A pool: one directory holding volumes, snapshots and clones. The one thread-safe API the CLI, the
/// NBD server and every other front end call. Only one process opens a pool at a time.
///
/// Layout of the directory:
///   data.NNN        clusters in fixed slots (see <see cref="DataFiles"/>)
///   journal.GEN     commit blocks of records, one record per operation (see <see cref="JournalFile"/>)
///   checkpoint.0/1  the whole catalog and all maps at a journal position, written alternately
///   lock, lock.owner  the exclusive lock and who holds it
///
/// Every operation is applied in memory under <c>_lock</c> and appended as one record to the journal
/// buffer; the same Apply* code runs again when the journal is replayed after a crash. Commit order
/// (<see cref="Commit"/>): data files fdatasync, then the journal block is written and fdatasynced, and
/// only then may slots freed by those records be punched out and reused. Any I/O failure on that path
/// puts the pool in a failed state that refuses writes until it is reopened.
/// </summary>
public sealed partial class Pool : IDisposable
{
    private readonly object _lock = new();
    private readonly IStorage _storage;
    private readonly PoolOptions _options;
    private readonly IDisposable _poolLock;
    private readonly Dictionary<long, Volume> _volumesById = new();
    private readonly Dictionary<string, Volume> _volumesByName = new(StringComparer.Ordinal);
    private readonly Dictionary<long, Snapshot> _snapshotsById = new();
    private readonly SlotAllocator _slots = new();
    private readonly NodeReleaser _releaser;
    private readonly DataFiles _data;
    private readonly ArrayBufferWriter<byte> _journalBuffer = new(1 << 16);
    private long _nextId = 1;
    private ulong _lastSeq;
    private string? _failure;
    private bool _disposed;

    public string Directory { get; }

    /// <summary>This pool's identity, fixed at creation; group cuts spanning pools name their pools by it.</summary>
    public Guid PoolId { get; private set; }
    public int ClusterSize { get; }
    private int ClusterShift { get; }

    /// <summary>What opening had to do: torn journal tails discarded, a damaged checkpoint skipped.</summary>
    public IReadOnlyList<string> RecoveryNotes => _recoveryNotes;
    private readonly List<string> _recoveryNotes = new();

    private Pool(string directory, PoolOptions options)
    {
        Directory = directory;
        _options = options;
        _storage = options.Storage ?? new FileStorage(directory);
        _poolLock = _storage.AcquireLock(options.HolderDescription);
        try
        {
            int clusterSize = ExistingClusterSize() ?? options.ClusterSize;
            if (clusterSize < 4096 || clusterSize > (1 << 20) || (clusterSize & (clusterSize - 1)) != 0)
                throw new RewindException(ErrorKind.InvalidArgument, $"cluster size {clusterSize} must be a power of two from 4096 to 1048576");
            ClusterSize = clusterSize;
            ClusterShift = System.Numerics.BitOperations.Log2((uint)clusterSize);
            _releaser = new NodeReleaser(_slots);
            _data = new DataFiles(_storage, clusterSize);
            Recover();
        }
        catch
        {
            _data?.Dispose();
            _journal?.Dispose();
            _poolLock.Dispose();
            throw;
        }
        if (options.BackgroundWork) StartBackground();
    }

    /// <summary>Opens the pool in <paramref name="directory"/>, creating it when the directory is new or empty.</summary>
    public static Pool Open(string directory, PoolOptions? options = null)
    {
        options ??= new PoolOptions();
        if (options.Storage == null)
        {
            if (File.Exists(directory))
                throw new RewindException(ErrorKind.InvalidArgument, $"pool path {directory} is a file; give a directory");
            if (System.IO.Directory.Exists(directory)
                && System.IO.Directory.EnumerateFileSystemEntries(directory).Any(p => !IsLeftOverFromCreation(p))
                && !File.Exists(Path.Combine(directory, CheckpointName(0)))
                && !File.Exists(Path.Combine(directory, CheckpointName(1))))
                throw new RewindException(ErrorKind.InvalidArgument,
                    $"{directory} is not empty and holds no Rewind pool; choose an empty or new directory");
        }
        return new Pool(Path.GetFullPath(directory), options);
    }

    /// <summary>What creating a pool writes before its first checkpoint; a crash there must not make the directory unusable.</summary>
    private static bool IsLeftOverFromCreation(string path) =>
        Path.GetFileName(path) is "lock" or "lock.owner"
        || (Path.GetFileName(path) == "journal.00000001" && new FileInfo(path).Length == 0);

    // ---- volumes ----------------------------------------------------------------------------------

    public VolumeInfo CreateVolume(string name, long sizeBytes)
    {
        Names.Validate(name, "volume");
        CheckSize(sizeBytes);
        lock (_lock)
        {
            CheckWritable();
            if (_volumesByName.ContainsKey(name)) throw Exists($"volume '{name}' already exists; pick another name or delete it first");
            long id = _nextId;
            long now = NowMilliseconds();
            Record.EncodeCommon(_journalBuffer, RecordType.CreateVolume, ++_lastSeq, id, sizeBytes, time: now, name: name);
            ApplyCreateVolume(id, name, sizeBytes, now, null, null);
        }
        Commit();
        lock (_lock) return DescribeNew(FindVolume(name));
    }

    public IReadOnlyList<VolumeInfo> ListVolumes()
    {
        lock (_lock)
        {
            var usage = ComputeUsage();
            return _volumesByName.Values.OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => Describe(v, usage)).ToList();
        }
    }

    public VolumeInfo GetVolume(string name)
    {
        lock (_lock) return Describe(FindVolume(name), ComputeUsage());
    }

    public bool VolumeExists(string name)
    {
        lock (_lock) return _volumesByName.ContainsKey(name);
    }

    /// <summary>Grows or shrinks a volume. Shrinking discards data past the new end (snapshots keep theirs).</summary>
    public VolumeInfo ResizeVolume(string name, long newSize)
    {
        CheckSize(newSize);
        Volume vol;
        lock (_lock) { CheckWritable(); vol = FindVolume(name); }
        if (newSize < vol.Size && (newSize & (ClusterSize - 1)) != 0)
        {
            // The kept part of the last cluster stays; the rest of it must read as zeros if the volume grows again.
            long tail = Math.Min(vol.Size, (newSize | (ClusterSize - 1)) + 1) - newSize;
            if (tail > 0)
                using (var h = new VolumeHandle(this, vol, readOnly: false)) ZeroRange(h, newSize, tail, fua: false, checkSize: false);
        }
        lock (_lock)
        {
            CheckWritable();
            if (vol.Deleted) throw NotFound($"volume '{name}' was deleted meanwhile");
            Record.EncodeCommon(_journalBuffer, RecordType.ResizeVolume, ++_lastSeq, vol.Id, newSize);
            ApplyResize(vol, newSize);
        }
        Commit();
        return GetVolume(vol.Name);
    }

    public void RenameVolume(string name, string newName)
    {
        Names.Validate(newName, "volume");
        lock (_lock)
        {
            CheckWritable();
            var vol = FindVolume(name);
            if (name == newName) return;
            if (_volumesByName.ContainsKey(newName)) throw Exists($"volume '{newName}' already exists");
            Record.EncodeCommon(_journalBuffer, RecordType.RenameVolume, ++_lastSeq, vol.Id, name: newName);
            ApplyRename(vol, newName);
        }
        Commit();
    }

    /// <summary>
    /// Deletes a volume. Its snapshots go with it only when <paramref name="recursive"/>; clones made from
    /// them stay. Refused while the volume or its snapshots are open, unless <paramref name="force"/>.
    /// </summary>
    public void DeleteVolume(string name, bool recursive = false, bool force = false)
    {
        lock (_lock)
        {
            CheckWritable();
            var vol = FindVolume(name);
            int snapshots = VisibleSnapshots(vol).Count();
            if (snapshots > 0 && !recursive)
                throw Busy($"volume '{name}' has {snapshots} snapshot(s); delete them first or pass --recursive to delete them too");
            foreach (var snap in vol.Snapshots) CheckNotHeld(snap);
            int open = vol.OpenHandles + vol.Snapshots.Sum(s => s.OpenHandles);
            if (open > 0 && !force)
                throw Busy($"volume '{name}' is open {open} time(s) (e.g. by an NBD client); disconnect them or pass --force");
            Record.EncodeCommon(_journalBuffer, RecordType.DeleteVolume, ++_lastSeq, vol.Id);
            ApplyDeleteVolume(vol);
        }
        Commit();
        WakeBackground();
    }

    // ---- snapshots, rollback, clones -------------------------------------------------------------

    /// <summary>
    /// Takes snapshot <paramref name="snapshot"/> of a volume in O(1): it holds every write acknowledged
    /// before this call and none issued after it returns. Durable when it returns.
    /// </summary>
    public SnapshotInfo CreateSnapshot(string volume, string snapshot, SnapshotMeta? meta = null)
    {
        Names.Validate(snapshot, "snapshot");
        meta ??= SnapshotMeta.None;
        lock (_lock)
        {
            SealInPlace(); // the snapshot shares the volume's slots: none may be half rewritten
            CheckWritable();
            var vol = FindVolume(volume);
            if (vol.Snapshots.Any(s => s.Name == snapshot)) throw Exists($"snapshot '{volume}@{snapshot}' already exists");
            long id = _nextId;
            long now = NowMilliseconds();
            Record.EncodeCommon(_journalBuffer, RecordType.CreateSnapshot, ++_lastSeq, vol.Id, id, time: now, name: snapshot,
                origin: MetaCodec.Encode(meta));
            ApplyCreateSnapshot(vol, id, snapshot, now, meta);
        }
        Commit();
        lock (_lock) return DescribeNew(FindSnapshot(volume, snapshot));
    }

    public SnapshotInfo GetSnapshot(string volume, string snapshot)
    {
        lock (_lock) return Describe(FindSnapshot(volume, snapshot), ComputeUsage());
    }

    /// <summary>Whether the snapshot exists, without the usage pass that describing it costs.</summary>
    public bool SnapshotExists(string volume, string snapshot)
    {
        lock (_lock) return _volumesByName.TryGetValue(volume, out var vol) && vol.Snapshots.Any(s => s.Name == snapshot && !s.Pending);
    }

    public IReadOnlyList<SnapshotInfo> ListSnapshots(string? volume = null)
    {
        lock (_lock)
        {
            var usage = ComputeUsage();
            IEnumerable<Volume> vols = volume == null
                ? _volumesByName.Values.OrderBy(v => v.Name, StringComparer.Ordinal)
                : new[] { FindVolume(volume) };
            return vols.SelectMany(VisibleSnapshots).Select(s => Describe(s, usage)).ToList();
        }
    }

    public void DeleteSnapshot(string volume, string snapshot, bool force = false)
    {
        lock (_lock)
        {
            CheckWritable();
            var snap = FindSnapshot(volume, snapshot);
            CheckNotHeld(snap);
            if (snap.OpenHandles > 0 && !force)
                throw Busy($"snapshot '{volume}@{snapshot}' is open {snap.OpenHandles} time(s); disconnect them or pass --force");
            Record.EncodeCommon(_journalBuffer, RecordType.DeleteSnapshot, ++_lastSeq, snap.Id);
            ApplyDeleteSnapshot(snap);
        }
        Commit();
        WakeBackground();
    }

    /// <summary>
    /// Makes the volume's content exactly the snapshot's, in O(1). Every other snapshot, older or newer,
    /// stays. Refused while the volume is open, unless <paramref name="force"/>, which invalidates the
    /// open handles so no client sees a mix of old and new data.
    /// </summary>
    public void Rollback(string volume, string snapshot, bool force = false)
    {
        lock (_lock)
        {
            SealInPlace();
            CheckWritable();
            var snap = FindSnapshot(volume, snapshot);
            var vol = snap.Volume;
            if (vol.OpenHandles > 0 && !force)
                throw Busy($"volume '{volume}' is open {vol.OpenHandles} time(s) (e.g. by an NBD client); disconnect them first or pass --force");
            Record.EncodeCommon(_journalBuffer, RecordType.Rollback, ++_lastSeq, vol.Id, snap.Id);
            ApplyRollback(vol, snap);
        }
        Commit();
        WakeBackground();
    }

    /// <summary>A new, independent volume from a snapshot, in O(1): no data copied.</summary>
    public VolumeInfo Clone(string volume, string snapshot, string newVolume)
    {
        Names.Validate(newVolume, "volume");
        lock (_lock)
        {
            CheckWritable();
            var snap = FindSnapshot(volume, snapshot);
            if (_volumesByName.ContainsKey(newVolume)) throw Exists($"volume '{newVolume}' already exists");
            long id = _nextId;
            long now = NowMilliseconds();
            Record.EncodeCommon(_journalBuffer, RecordType.Clone, ++_lastSeq, snap.Id, id, time: now, name: newVolume);
            ApplyClone(snap, id, newVolume, now);
        }
        Commit();
        lock (_lock) return DescribeNew(FindVolume(newVolume));
    }

    /// <summary>
    /// Byte ranges (cluster-aligned) whose content may differ between <paramref name="from"/> and
    /// <paramref name="to"/> (a snapshot name, or null for the live volume). Cost follows the change.
    /// </summary>
    public IReadOnlyList<ByteRange> Diff(string volume, string from, string? to)
    {
        lock (_lock)
        {
            var a = FindSnapshot(volume, from);
            Version b = to == null ? FindVolume(volume) : FindSnapshot(volume, to);
            return DiffVersions(a, b, 0, long.MaxValue);
        }
    }

    // ---- I/O handles -------------------------------------------------------------------------------

    /// <summary>Opens "volume" read-write (or read-only when asked) or "volume@snapshot" read-only.</summary>
    public VolumeHandle Open(string target, bool readOnly = false)
    {
        lock (_lock)
        {
            int at = target.IndexOf('@');
            Version v = at < 0 ? FindVolume(target) : FindSnapshot(target[..at], target[(at + 1)..]);
            var h = new VolumeHandle(this, v, readOnly || v is Snapshot);
            v.OpenHandles++;
            return h;
        }
    }

    internal void CloseHandle(VolumeHandle h)
    {
        lock (_lock) h.Target.OpenHandles--;
    }

    internal bool IsHandleValid(VolumeHandle h)
    {
        lock (_lock) return HandleValid(h);
    }

    private static bool HandleValid(VolumeHandle h) =>
        !h.Target.Deleted && (h.Target is not Volume vol || vol.Epoch == h.Epoch);

    internal long SizeOf(VolumeHandle h)
    {
        lock (_lock) return h.Target.Size;
    }

    // ---- lookups and errors -----------------------------------------------------------------------

    private Volume FindVolume(string name)
    {
        if (!_volumesByName.TryGetValue(name, out var v))
            throw NotFound($"no volume '{name}' in pool {Directory}; 'rewind volume list' shows what exists");
        return v;
    }

    private Snapshot FindSnapshot(string volume, string snapshot)
    {
        var vol = FindVolume(volume);
        return vol.Snapshots.FirstOrDefault(s => s.Name == snapshot && !s.Pending)
               ?? throw NotFound($"no snapshot '{volume}@{snapshot}'; 'rewind snapshot list {volume}' shows what exists");
    }

    /// <summary>Snapshots anyone may see: those of an undecided group cut stay hidden until it is resolved.</summary>
    private static IEnumerable<Snapshot> VisibleSnapshots(Volume vol) => vol.Snapshots.Where(s => !s.Pending);

    private static void CheckNotHeld(Snapshot snap)
    {
        if (snap.Holds.Count > 0)
            throw Busy($"snapshot '{snap.Volume.Name}@{snap.Name}' is held ({string.Join(", ", snap.Holds)}); " +
                       $"release it first with 'rewind release {snap.Volume.Name}@{snap.Name} --tag {snap.Holds[0]}'");
    }

    private void CheckSize(long size)
    {
        long max = MapNode.MaxClusters * (long)(ClusterSize == 0 ? _options.ClusterSize : ClusterSize);
        if (size <= 0 || size % 512 != 0)
            throw new RewindException(ErrorKind.InvalidArgument, $"volume size {size} must be a positive multiple of 512 bytes");
        if (size > max)
            throw new RewindException(ErrorKind.InvalidArgument, $"volume size {size} is larger than the {max >> 40} TiB this pool's cluster size allows");
    }

    private void CheckWritable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure != null)
            throw new RewindException(ErrorKind.IO, $"pool {Directory} refuses writes after an I/O error ({_failure}); fix the disk, then reopen the pool");
    }

    /// <summary>Creation times come from the options' clock, so schedules and retention can be tested without waiting.</summary>
    private long NowMilliseconds() => _options.Clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static RewindException NotFound(string m) => new(ErrorKind.NotFound, m);
    private static RewindException Exists(string m) => new(ErrorKind.AlreadyExists, m);
    private static RewindException Busy(string m) => new(ErrorKind.Busy, m);

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
        }
        StopBackground();
        try
        {
            if (_failure == null)
            {
                lock (_lock) _releaser.Drain();
                WriteCheckpoint();
            }
        }
        catch (Exception e) when (e is IOException or RewindException)
        {
            // The journal already holds everything committed; a failed clean-close checkpoint loses nothing.
        }
        finally
        {
            _journal?.Dispose();
            _data.Dispose();
            _poolLock.Dispose();
        }
    }
}
