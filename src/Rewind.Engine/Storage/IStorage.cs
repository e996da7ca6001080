namespace Rewind.Engine.Storage;

/// <summary>
/// The few file operations the engine needs, over one flat directory. Two implementations: the real
/// filesystem, and <see cref="SimulatedStorage"/>, which can lose unsynced writes, tear them, flip bits
/// and fail fsync so recovery tests can do what a power cut does.
/// </summary>
public interface IStorage
{
    /// <summary>Opens (creating when asked) a file by its name inside the pool.</summary>
    IStorageFile Open(string name, bool create);
    bool Exists(string name);
    void Delete(string name);
    IReadOnlyList<string> List();
    /// <summary>Makes creates, renames and deletes in the directory durable.</summary>
    void SyncDirectory();
    /// <summary>Free bytes on the filesystem under the pool.</summary>
    long FreeBytes { get; }
    /// <summary>Takes the pool's exclusive lock, or throws <see cref="ErrorKind.Busy"/> naming who holds it.</summary>
    IDisposable AcquireLock(string holderDescription);
    /// <summary>A human-readable location for messages.</summary>
    string Describe(string name);
}

public interface IStorageFile : IDisposable
{
    string Name { get; }
    long Length { get; }
    /// <summary>Reads at an offset; returns fewer bytes than asked only at end of file.</summary>
    int Read(long offset, Span<byte> buffer);
    void Write(long offset, ReadOnlySpan<byte> data);
    /// <summary>fdatasync: everything written before survives a crash once this returns.</summary>
    void Sync();
    void SetLength(long length);
    /// <summary>Gives the range's blocks back to the filesystem; it then reads as zeros.</summary>
    void PunchHole(long offset, long length);
    /// <summary>Bytes the filesystem actually holds for this file (sparse files hold less than Length).</summary>
    long AllocatedBytes { get; }
}
