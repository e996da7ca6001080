using Rewind.Engine;

namespace Rewind.System.Tests.Support;

/// <summary>A pool in a fresh temporary directory, deleted with everything in it on dispose.</summary>
internal sealed class TemporaryPool : IDisposable
{
    public string Directory { get; }
    public Pool Pool { get; }

    public TemporaryPool(string purpose)
    {
        // Short path: NBD unix sockets live here too, and sun_path holds only 108 bytes.
        Directory = global::System.IO.Directory.CreateTempSubdirectory($"rewind-{purpose}-").FullName;
        Pool = Pool.Open(Path.Combine(Directory, "pool"), new PoolOptions { HolderDescription = $"system test {purpose}" });
    }

    public void Dispose()
    {
        Pool.Dispose();
        try { global::System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { /* a qemu still exiting may hold a file; the OS cleans /tmp */ }
    }
}
