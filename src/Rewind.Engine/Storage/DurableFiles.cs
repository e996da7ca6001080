namespace Rewind.Engine.Storage;

/// <summary>Small files that must be whole and durable after any crash: settings, registries.</summary>
public static class DurableFiles
{
    /// <summary>Replaces the file atomically: the old content or the new one survives a crash, never a mix.</summary>
    public static void Replace(string path, ReadOnlySpan<byte> content)
    {
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        Native.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Appends and syncs, so the line is on disk when this returns.</summary>
    public static void Append(string path, ReadOnlySpan<byte> content)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        stream.Write(content);
        stream.Flush(flushToDisk: true);
    }
}
