using Rewind.Engine;

namespace Rewind.System.Tests.Support;

/// <summary>Runs e2fsck (forced, read-only) on an exported copy of a volume or snapshot.</summary>
internal static class Ext4Check
{
    /// <summary>e2fsck -fn's verdict on the volume's filesystem: exit code 0 means clean.</summary>
    public static ExternalCommand.Result CheckVolume(Pool pool, string target, string scratchDirectory)
    {
        string image = ExportToScratch(pool, target, scratchDirectory);
        try { return ExternalCommand.Run(E2fsck(), "-fn", image); }
        finally { File.Delete(image); }
    }

    // e2fsck lives in /usr/sbin (e2fsprogs), which a non-login PATH may lack.
    private static string E2fsck() =>
        ExternalCommand.FindOnPath("e2fsck")
        ?? new[] { "/usr/sbin/e2fsck", "/sbin/e2fsck" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("e2fsck is not installed (Debian package e2fsprogs)");

    private static string ExportToScratch(Pool pool, string target, string scratchDirectory)
    {
        string image = Path.Combine(scratchDirectory, target.Replace('@', '_') + ".img");
        RawImages.Export(pool, target, image);
        return image;
    }
}
