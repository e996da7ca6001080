using Rewind.Cli.CommandLine;
using Rewind.Engine;
using Rewind.Management;

namespace Rewind.Cli.Commands;

/// <summary>import FILE NAME: a raw disk image into a volume, skipping zero clusters.</summary>
public static class ImportCommand
{
    // Large sequential reads keep the source disk streaming; a multiple of every cluster size (<= 1 MiB).
    private const int ChunkBytes = 4 << 20;

    public static readonly CommandSpec Spec = new(
        "import", ["FILE", "NAME"],
        "copy a raw disk image into a new volume",
        """
        Creates volume NAME sized to FILE (rounded up to a multiple of 512 bytes) unless --size is
        given, and copies the image in. Clusters that are all zeros are not written, so they take no
        space in the pool (sparse files and mostly-empty disks import fast and small).
        An existing volume is refused unless --into-existing: then the file overwrites the start of the
        volume (zero clusters are zeroed), and bytes past the file's end are left as they were.
        FILE is a raw image (a regular file). Convert other formats first, e.g.
        'qemu-img convert -O raw disk.qcow2 disk.raw'.
        """,
        [
            new("--size", "SIZE", "make the new volume this size (at least the file's)"),
            new("--into-existing", null, "write into volume NAME that already exists"),
        ],
        ["rewind import disk.raw web", "rewind import small.img web --size 20G", "rewind import fixed.raw web --into-existing"],
        Run);

    private static int Run(CommandContext c)
    {
        string file = c.Args[0];
        string name = c.Args[1];
        long? requestedSize = c.Args.Value("--size") is { } s ? Sizes.Parse(s) : null;
        bool intoExisting = c.Args.Has("--into-existing");
        VolumeAddress.Parse(name); // a bad name fails before the file is read
        if (Directory.Exists(file)) throw new RewindException(ErrorKind.InvalidArgument, $"{file} is a directory; give a raw image file");
        if (!File.Exists(file)) throw new RewindException(ErrorKind.NotFound, $"no file {file}; give the path of a raw disk image");

        using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.SequentialScan);
        long fileBytes = source.Length;
        bool exists = c.Site.VolumeExists(name);
        if (exists && !intoExisting)
            throw new RewindException(ErrorKind.AlreadyExists,
                $"volume '{name}' already exists; pass --into-existing to overwrite its content with the file, or pick another name");

        bool created = false;
        if (!exists)
        {
            long size = requestedSize ?? RoundUp(fileBytes, 512);
            if (size == 0) throw new RewindException(ErrorKind.InvalidArgument, $"{file} is empty; give --size to create an empty volume of that size");
            if (size < fileBytes)
                throw new RewindException(ErrorKind.InvalidArgument,
                    $"--size {Sizes.Format(size)} is smaller than {file} ({fileBytes} bytes); leave --size out to size the volume to the file");
            c.Site.CreateVolume(name, size);
            created = true;
        }
        else if (requestedSize is long resize)
        {
            c.Site.ResizeVolume(name, resize);
        }

        try
        {
            var result = Copy(c, source, file, name, fileBytes, zeroExisting: !created);
            if (c.Print.Json) c.Print.WriteJson(result);
            else
            {
                c.Print.Line($"imported {file} into volume {name}: {Sizes.Format(fileBytes)} read, " +
                             $"{Sizes.Format(result.DataBytesWritten)} data written, {Sizes.Format(result.ZeroBytesSkipped)} of zeros left as holes");
            }
            return 0;
        }
        catch when (created)
        {
            // Leave no half-imported volume behind: the caller will run the same command again.
            try { c.Site.DeleteVolume(name, recursive: true, force: true); } catch (RewindException) { }
            throw;
        }
    }

    private static ImportResult Copy(CommandContext c, Stream source, string file, string name, long fileBytes, bool zeroExisting)
    {
        using var device = c.Site.OpenDevice(name, readOnly: false);
        if (device.Size < fileBytes)
            throw new RewindException(ErrorKind.OutOfRange,
                $"{file} ({fileBytes} bytes) does not fit volume '{name}' ({device.Size} bytes); grow it with 'rewind volume resize {name} --size {fileBytes}' or pass --size");
        var buffer = new byte[ChunkBytes];
        long offset = 0, written = 0, skipped = 0;
        using var progress = c.Print.Progress("import", fileBytes);
        while (offset < fileBytes)
        {
            c.Cancel.ThrowIfCancellationRequested();
            int want = (int)Math.Min(buffer.Length, fileBytes - offset);
            int got = source.ReadAtLeast(buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
            if (got == 0) break;
            foreach (var run in ZeroRuns.Of(buffer.AsSpan(0, got), offset, device.ClusterSize))
            {
                if (!run.IsZero)
                {
                    device.Write(offset + run.Start, buffer.AsSpan(run.Start, run.Length));
                    written += run.Length;
                    continue;
                }
                if (zeroExisting) device.WriteZeroes(offset + run.Start, run.Length);
                skipped += run.Length;
            }
            offset += got;
            progress.ReportBytes(offset);
        }
        device.Flush();
        return new ImportResult(name, Path.GetFullPath(file), offset, device.Size, written, skipped);
    }

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;

    private sealed record ImportResult(string Volume, string File, long FileBytes, long SizeBytes, long DataBytesWritten, long ZeroBytesSkipped);
}
