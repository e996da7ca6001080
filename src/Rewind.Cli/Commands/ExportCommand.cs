using Rewind.Cli.CommandLine;
using Rewind.Cli.Sites;
using Rewind.Engine;

namespace Rewind.Cli.Commands;

/// <summary>export NAME[@SNAP] FILE: a volume or snapshot to a raw image whose holes stay holes.</summary>
public static class ExportCommand
{
    private const int ChunkBytes = 4 << 20;
    // Extents are asked for a window at a time so a huge, fragmented volume never needs one huge list.
    private const long ExtentWindowBytes = 1L << 30;

    public static readonly CommandSpec Spec = new(
        "export", ["NAME[@SNAP]", "FILE"],
        "copy a volume or snapshot out to a raw image file",
        """
        Writes the volume's (or snapshot's) content to FILE as a raw image of the volume's size. Only
        data is written: never-written ranges and all-zero clusters stay holes, so the file is as sparse
        as the volume. Exporting a snapshot gives a consistent image while the volume keeps changing.
        FILE "-" writes the image to standard output (every byte, zeros included).
        An existing FILE is refused unless --force.
        """,
        [new("--force", null, "overwrite FILE if it exists")],
        ["rewind export web@nightly web.raw", "rewind export web - | gzip > web.raw.gz", "rewind export web@v1 /backup/web.raw --force"],
        Run);

    private static int Run(CommandContext c)
    {
        string target = c.Args[0];
        string file = c.Args[1];
        Targets.VolumeOrSnapshot(target);
        using var device = c.Site.OpenDevice(target, readOnly: true);
        ExportResult result;
        if (file == "-")
        {
            result = ToStream(c, device, target, c.Print.OpenRawStdout());
        }
        else
        {
            if (Directory.Exists(file)) throw new RewindException(ErrorKind.InvalidArgument, $"{file} is a directory; give a file name for the image");
            if (File.Exists(file) && !c.Args.Has("--force"))
                throw new RewindException(ErrorKind.AlreadyExists, $"{file} already exists; pass --force to overwrite it, or choose another file name");
            result = ToFile(c, device, target, file);
        }
        if (file == "-") return 0; // stdout carries the image; nothing else may go there
        if (c.Print.Json) c.Print.WriteJson(result);
        else
        {
            c.Print.Line($"exported {target} to {file}: {Sizes.Format(result.SizeBytes)}, " +
                         $"{Sizes.Format(result.DataBytesWritten)} data written, {Sizes.Format(result.SizeBytes - result.DataBytesWritten)} left as holes");
        }
        return 0;
    }

    private static ExportResult ToFile(CommandContext c, IBlockDevice device, string target, string file)
    {
        long size = device.Size;
        long written = 0;
        var buffer = new byte[ChunkBytes];
        try
        {
            // Create truncates an old file first, so none of its data survives in what become holes.
            using var output = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1);
            output.SetLength(size);
            using var progress = c.Print.Progress("export", size);
            for (long window = 0; window < size; window += ExtentWindowBytes)
            {
                foreach (var extent in device.GetExtents(window, Math.Min(ExtentWindowBytes, size - window)))
                {
                    if (extent.IsHole) continue;
                    for (long at = extent.Offset; at < extent.Offset + extent.Length; at += ChunkBytes)
                    {
                        c.Cancel.ThrowIfCancellationRequested();
                        int length = (int)Math.Min(ChunkBytes, extent.Offset + extent.Length - at);
                        device.Read(at, buffer.AsSpan(0, length));
                        foreach (var run in ZeroRuns.Of(buffer.AsSpan(0, length), at, device.ClusterSize))
                        {
                            if (run.IsZero) continue;
                            RandomAccess.Write(output.SafeFileHandle, buffer.AsSpan(run.Start, run.Length), at + run.Start);
                            written += run.Length;
                        }
                        progress.ReportBytes(at + length);
                    }
                }
                progress.ReportBytes(Math.Min(size, window + ExtentWindowBytes));
            }
            output.Flush(flushToDisk: true);
        }
        catch
        {
            // A partial image looks like a whole one; do not leave it behind.
            try { File.Delete(file); } catch (IOException) { }
            throw;
        }
        return new ExportResult(target, Path.GetFullPath(file), size, written);
    }

    private static ExportResult ToStream(CommandContext c, IBlockDevice device, string target, Stream output)
    {
        long size = device.Size;
        var buffer = new byte[ChunkBytes];
        using var progress = c.Print.Progress("export", size);
        long written = 0;
        for (long window = 0; window < size; window += ExtentWindowBytes)
        {
            foreach (var extent in device.GetExtents(window, Math.Min(ExtentWindowBytes, size - window)))
            {
                for (long at = extent.Offset; at < extent.Offset + extent.Length; at += ChunkBytes)
                {
                    c.Cancel.ThrowIfCancellationRequested();
                    int length = (int)Math.Min(ChunkBytes, extent.Offset + extent.Length - at);
                    if (extent.IsHole) buffer.AsSpan(0, length).Clear();
                    else
                    {
                        device.Read(at, buffer.AsSpan(0, length));
                        written += length;
                    }
                    output.Write(buffer, 0, length);
                    progress.ReportBytes(at + length);
                }
            }
        }
        output.Flush();
        return new ExportResult(target, "-", size, written);
    }

    private sealed record ExportResult(string Source, string File, long SizeBytes, long DataBytesWritten);
}
