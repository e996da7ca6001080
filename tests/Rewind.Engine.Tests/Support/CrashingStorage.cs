using Rewind.Engine.Storage;

namespace Rewind.Engine.Tests.Support;

/// <summary>
/// Wraps a <see cref="SimulatedStorage"/> and pulls the plug at its n-th mutating call (write, sync,
/// truncate, punch, delete): the call goes through (so an unsynced write is pending and may be torn),
/// the power-cut image is taken with <see cref="SimulatedStorage.Crash"/> (of every storage on the same
/// <see cref="PowerLine"/>), and the caller gets
/// <see cref="PowerCut"/> so the workload stops exactly there, possibly in the middle of a commit.
/// </summary>
public sealed class CrashingStorage : IStorage
{
    public sealed class PowerCut() : Exception("simulated power cut");

    private readonly SimulatedStorage _inner;
    private readonly PowerLine _line;

    public CrashingStorage(SimulatedStorage inner, int crashAtCall, Random random) : this(inner, new PowerLine(crashAtCall, random)) { }

    /// <summary>A storage on a shared power line: a cut on any storage of the line cuts them all at that instant.</summary>
    public CrashingStorage(SimulatedStorage inner, PowerLine line)
    {
        _inner = inner;
        _line = line;
        line.Attach(this);
    }

    /// <summary>The storage as the power cut left it, once it happened.</summary>
    public SimulatedStorage? AfterCrash { get; private set; }

    private void Tick() => _line.Tick();

    internal void CutNow(Random random) => AfterCrash ??= _inner.Crash(random);

    /// <summary>Cuts the power now, between operations.</summary>
    public SimulatedStorage CrashNow()
    {
        _line.CutAll();
        return AfterCrash!;
    }

    public IStorageFile Open(string name, bool create) => new File(this, _inner.Open(name, create));
    public bool Exists(string name) => _inner.Exists(name);
    public void Delete(string name) { _inner.Delete(name); Tick(); }
    public IReadOnlyList<string> List() => _inner.List();
    public void SyncDirectory() => _inner.SyncDirectory();
    public long FreeBytes => _inner.FreeBytes;
    public IDisposable AcquireLock(string holderDescription) => _inner.AcquireLock(holderDescription);
    public string Describe(string name) => _inner.Describe(name);

    private sealed class File(CrashingStorage owner, IStorageFile file) : IStorageFile
    {
        public string Name => file.Name;
        public long Length => file.Length;
        public int Read(long offset, Span<byte> buffer) => file.Read(offset, buffer);
        public void Write(long offset, ReadOnlySpan<byte> data) { owner.Guard(); file.Write(offset, data); owner.Tick(); }
        public void Sync() { owner.Guard(); file.Sync(); owner.Tick(); }
        public void SetLength(long length) { owner.Guard(); file.SetLength(length); owner.Tick(); }
        public void PunchHole(long offset, long length) { owner.Guard(); file.PunchHole(offset, length); owner.Tick(); }
        public long AllocatedBytes => file.AllocatedBytes;
        public void Dispose() => file.Dispose();
    }

    /// <summary>After the power cut nothing more reaches the disk.</summary>
    private void Guard()
    {
        if (AfterCrash != null) throw new PowerCut();
    }
}

/// <summary>
/// The mains that several storages hang on: its n-th mutating call over all of them (counted from
/// <see cref="Arm"/>, or from the start) takes every storage's power-cut image at once and throws
/// <see cref="CrashingStorage.PowerCut"/>, so pools on different disks lose power at one instant.
/// </summary>
public sealed class PowerLine(int crashAtCall, Random random)
{
    private readonly object _gate = new();
    private readonly List<CrashingStorage> _storages = new();
    private int _calls;
    private int _crashAt = crashAtCall;
    private bool _cut;

    internal void Attach(CrashingStorage storage) { lock (_gate) _storages.Add(storage); }

    /// <summary>Counts afresh: the power goes at the n-th mutating call from now (0 = never).</summary>
    public void Arm(int crashAtCall) { lock (_gate) { _calls = 0; _crashAt = crashAtCall; } }

    public bool IsCut { get { lock (_gate) return _cut; } }

    internal void Tick()
    {
        lock (_gate)
        {
            if (_cut) throw new CrashingStorage.PowerCut();
            if (_crashAt <= 0 || ++_calls < _crashAt) return;
            CutAllLocked();
        }
        throw new CrashingStorage.PowerCut();
    }

    public void CutAll() { lock (_gate) CutAllLocked(); }

    private void CutAllLocked()
    {
        _cut = true;
        foreach (var s in _storages) s.CutNow(random);
    }
}
