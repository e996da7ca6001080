using Rewind.Engine.Storage;

namespace Rewind.Engine.Tests.Support;

/// <summary>
/// Wraps a <see cref="SimulatedStorage"/> and pulls the plug at its n-th mutating call (write, sync,
/// truncate, punch, delete): the call goes through (so an unsynced write is pending and may be torn),
/// the power-cut image is taken with <see cref="SimulatedStorage.Crash"/>, and the caller gets
/// <see cref="PowerCut"/> so the workload stops exactly there, possibly in the middle of a commit.
/// </summary>
public sealed class CrashingStorage(SimulatedStorage inner, int crashAtCall, Random random) : IStorage
{
    public sealed class PowerCut() : Exception("simulated power cut");

    private int _calls;

    /// <summary>The storage as the power cut left it, once it happened.</summary>
    public SimulatedStorage? AfterCrash { get; private set; }

    private void Tick()
    {
        if (AfterCrash != null) throw new PowerCut();
        if (++_calls < crashAtCall) return;
        AfterCrash = inner.Crash(random);
        throw new PowerCut();
    }

    /// <summary>Cuts the power now, between operations.</summary>
    public SimulatedStorage CrashNow() => AfterCrash ??= inner.Crash(random);

    public IStorageFile Open(string name, bool create) => new File(this, inner.Open(name, create));
    public bool Exists(string name) => inner.Exists(name);
    public void Delete(string name) { inner.Delete(name); Tick(); }
    public IReadOnlyList<string> List() => inner.List();
    public void SyncDirectory() => inner.SyncDirectory();
    public long FreeBytes => inner.FreeBytes;
    public IDisposable AcquireLock(string holderDescription) => inner.AcquireLock(holderDescription);
    public string Describe(string name) => inner.Describe(name);

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
