using System.Runtime.InteropServices;

namespace Rewind.Engine.Storage;

/// <summary>The three libc calls .NET does not expose: fdatasync, hole punching, and SEEK_DATA/SEEK_HOLE.</summary>
internal static partial class Native
{
    private const int FALLOC_FL_KEEP_SIZE = 0x01;
    private const int FALLOC_FL_PUNCH_HOLE = 0x02;
    private const int SEEK_DATA = 3;
    private const int SEEK_HOLE = 4;
    private const int O_RDONLY = 0;
    private const int O_DIRECTORY = 0x10000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fdatasync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fsync(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fallocate(int fd, int mode, long offset, long len);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    public static bool IsLinux => OperatingSystem.IsLinux();

    public static void DataSync(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string what)
    {
        if (!IsLinux) { RandomAccess.FlushToDisk(handle); return; }
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            if (fdatasync((int)handle.DangerousGetHandle()) != 0)
                throw new IOException($"fdatasync failed on {what}: errno {Marshal.GetLastPInvokeError()}");
        }
        finally { if (added) handle.DangerousRelease(); }
    }

    /// <summary>Returns false where the filesystem cannot punch holes; the caller then leaves the bytes.</summary>
    public static bool PunchHole(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, long length)
    {
        if (!IsLinux) return false;
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return fallocate((int)handle.DangerousGetHandle(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length) == 0;
        }
        finally { if (added) handle.DangerousRelease(); }
    }

    /// <summary>Sums the file's data extents with SEEK_DATA/SEEK_HOLE; falls back to the length.</summary>
    public static long AllocatedBytes(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long length)
    {
        if (!IsLinux) return length;
        bool added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            int fd = (int)handle.DangerousGetHandle();
            long total = 0, pos = 0;
            while (pos < length)
            {
                long data = lseek(fd, pos, SEEK_DATA);
                if (data < 0) break; // ENXIO: no data after pos
                long hole = lseek(fd, data, SEEK_HOLE);
                if (hole < 0) hole = length;
                total += hole - data;
                pos = hole;
            }
            return total;
        }
        finally { if (added) handle.DangerousRelease(); }
    }

    public static void SyncDirectory(string path)
    {
        if (!IsLinux) return;
        int fd = open(path, O_RDONLY | O_DIRECTORY);
        if (fd < 0) throw new IOException($"cannot open directory {path} to sync it: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            if (fsync(fd) != 0) throw new IOException($"fsync failed on directory {path}: errno {Marshal.GetLastPInvokeError()}");
        }
        finally { close(fd); }
    }
}
