namespace Rewind.Cli.CommandLine;

/// <summary>
/// Splits the "TARGET@SNAP" and "TARGET[@SNAP]" arguments of the command line. A target is a volume
/// ("web"), a volume in another pool ("fast/web") or, where a command says so, a group ("stack").
/// </summary>
public static class Targets
{
    public static (string Target, string Snapshot) Snapshot(string text)
    {
        int at = text.IndexOf('@');
        if (at <= 0 || at == text.Length - 1)
            throw new UsageException($"'{text}' is not a snapshot: write VOLUME@SNAPSHOT, POOL/VOLUME@SNAPSHOT or GROUP@SNAPSHOT, e.g. web@before-upgrade");
        return (text[..at], text[(at + 1)..]);
    }

    public static (string Target, string? Snapshot) VolumeOrSnapshot(string text)
    {
        if (!text.Contains('@')) return (text, null);
        var (volume, snapshot) = Snapshot(text);
        return (volume, snapshot);
    }
}
