using Rewind.Engine;
using Rewind.System.Tests.Support;

namespace Rewind.System.Tests.Guest;

/// <summary>What e2fsprogs say about the ext4 filesystem on an exported copy of a volume or snapshot.</summary>
/// <param name="Fsck">e2fsck -fn's verdict: exit code 0 means clean.</param>
/// <param name="JournalNeedsRecovery">The superblock says the journal must be replayed: the filesystem was
/// mounted and not quiesced when this copy was cut (a crash-consistent image).</param>
/// <param name="Heartbeat">The contents of /heartbeat (written by the running guest-agent guest), or null when absent.</param>
internal sealed record ExportedFilesystem(ExternalCommand.Result Fsck, bool JournalNeedsRecovery, string? Heartbeat)
{
    public static ExportedFilesystem Inspect(Pool pool, string target, string scratchDirectory)
    {
        string image = Path.Combine(scratchDirectory, target.Replace('@', '_') + ".inspect.img");
        RawImages.Export(pool, target, image);
        try
        {
            var fsck = ExternalCommand.Run(Tool("e2fsck"), "-fn", image);
            var superblock = ExternalCommand.Run(Tool("dumpe2fs"), "-h", image);
            if (superblock.ExitCode != 0) throw new InvalidOperationException(superblock.Describe($"dumpe2fs -h on {target}"));
            bool needsRecovery = superblock.StandardOutput.Split('\n')
                .Any(l => l.StartsWith("Filesystem features:", StringComparison.Ordinal) && l.Contains(" needs_recovery", StringComparison.Ordinal));
            var heartbeat = ExternalCommand.Run(Tool("debugfs"), "-R", "cat /heartbeat", image);
            string beat = heartbeat.StandardOutput.Trim();
            return new ExportedFilesystem(fsck, needsRecovery, beat.Length == 0 ? null : beat);
        }
        finally
        {
            File.Delete(image);
        }
    }

    // e2fsprogs live in /usr/sbin, which a non-login PATH may lack.
    private static string Tool(string name) =>
        ExternalCommand.FindOnPath(name)
        ?? new[] { $"/usr/sbin/{name}", $"/sbin/{name}" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{name} is not installed (Debian package e2fsprogs)");
}
