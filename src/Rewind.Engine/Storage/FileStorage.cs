using Microsoft.Win32.SafeHandles;

namespace Rewind.Engine.Storage;

/// <summary>The real filesystem: one directory, positional I/O on shared handles (no seek, no lock per call).</summary>
public sealed class FileStorage : IStorage
{
    private const string LockName = "lock";
    private const string OwnerName = "lock.owner";
    private readonly string _directory;

    public FileStorage(string directory)
    {
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
    }

    public string DirectoryPath => _directory;

    private string PathOf(string name)
    {
        if (name.Contains('/') || name.Contains('\\') || name is "." or ".." || name.Length == 0)
            throw new ArgumentException($"bad pool file name '{name}'");
        return Path.Combine(_directory, name);
    }

    public IStorageFile Open(string name, bool create)
    {
        var path = PathOf(name);
        var handle = File.OpenHandle(path, create ? FileMode.OpenOrCreate : FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        return new RealFile(name, path, handle);
    }

    public bool Exists(string name) => File.Exists(PathOf(name));

    public void Delete(string name) => File.Delete(PathOf(name));

    public IReadOnlyList<string> List() =>
        Directory.EnumerateFiles(_directory).Select(p => Path.GetFileName(p)!).ToList();

    public void SyncDirectory() => Native.SyncDirectory(_directory);

    public long FreeBytes
    {
        get
        {
            try { return new DriveInfo(_directory).AvailableFreeSpace; }
            catch (Exception) { return -1; }
        }
    }

    public string Describe(string name) => Path.Combine(_directory, name);

    public IDisposable AcquireLock(string holderDescription)
    {
        var lockPath = PathOf(LockName);
        var ownerPath = PathOf(OwnerName);
        FileStream stream;
        try
        {
            // FileShare.None takes an exclusive flock(2): the kernel drops it when the holder dies,
            // so a killed process never leaves a stale lock behind.
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            string holder = "another process";
            try { holder = File.ReadAllText(ownerPath).Trim(); } catch (IOException) { }
            throw new RewindException(ErrorKind.Busy,
                $"pool {_directory} is already open by {holder}; stop it first, or run the command through that process (a running 'rewind serve' is used automatically)");
        }
        File.WriteAllText(ownerPath, $"pid {Environment.ProcessId} ({holderDescription}) since {DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ssZ}\n");
        return stream;
    }

    private sealed class RealFile : IStorageFile
    {
        private readonly SafeFileHandle _handle;
        private readonly string _path;

        public RealFile(string name, string path, SafeFileHandle handle)
        {
            Name = name;
            _path = path;
            _handle = handle;
        }

        public string Name { get; }

        public long Length => RandomAccess.GetLength(_handle);

        public int Read(long offset, Span<byte> buffer)
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int n = RandomAccess.Read(_handle, buffer[total..], offset + total);
                if (n == 0) break;
                total += n;
            }
            return total;
        }

        public void Write(long offset, ReadOnlySpan<byte> data) => RandomAccess.Write(_handle, data, offset);

        public void Sync() => Native.DataSync(_handle, _path);

        public void SetLength(long length) => RandomAccess.SetLength(_handle, length);

        public void PunchHole(long offset, long length)
        {
            if (!Native.PunchHole(_handle, offset, length))
            {
                // Without hole punching the bytes stay allocated; zeroing them keeps "reads as zeros" true.
                var zeros = new byte[Math.Min(length, 1 << 20)];
                for (long pos = 0; pos < length; pos += zeros.Length)
                    Write(offset + pos, zeros.AsSpan(0, (int)Math.Min(zeros.Length, length - pos)));
            }
        }

        public long AllocatedBytes => Native.AllocatedBytes(_handle, Length);

        public void Dispose() => _handle.Dispose();
    }
}
