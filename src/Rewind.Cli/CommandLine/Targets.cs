namespace Rewind.Cli.CommandLine;

/// <summary>Splits the "NAME@SNAP" and "NAME[@SNAP]" arguments of the command line.</summary>
public static class Targets
{
    public static (string Volume, string Snapshot) Snapshot(string text)
    {
        int at = text.IndexOf('@');
        if (at <= 0 || at == text.Length - 1)
            throw new UsageException($"'{text}' is not a snapshot: write VOLUME@SNAPSHOT, e.g. web@before-upgrade");
        return (text[..at], text[(at + 1)..]);
    }

    public static (string Volume, string? Snapshot) VolumeOrSnapshot(string text)
    {
        if (!text.Contains('@')) return (text, null);
        var (volume, snapshot) = Snapshot(text);
        return (volume, snapshot);
    }
}
