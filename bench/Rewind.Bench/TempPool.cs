using Rewind.Engine;

namespace Rewind.Bench;

/// <summary>
/// A pool in a fresh directory under the benchmark directory, on the real filesystem with the default
/// FileStorage and 64 KiB clusters. Dispose closes the pool and deletes the directory.
/// </summary>
internal sealed class TempPool : IDisposable
{
    public string Path { get; }
    public Pool Pool { get; }

    public TempPool(string parent, string label)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetFullPath(parent), $"rewind-bench-{label}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(Path);
        Pool = Pool.Open(Path, new PoolOptions { HolderDescription = "Rewind.Bench" });
    }

    public void Dispose()
    {
        try { Pool.Dispose(); }
        finally
        {
            try { Directory.Delete(Path, recursive: true); }
            catch (IOException e) { Console.Error.WriteLine($"warning: could not delete {Path}: {e.Message}"); }
        }
    }
}
