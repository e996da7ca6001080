using Rewind.Engine;

namespace Rewind.System.Tests.Support;

/// <summary>Moves raw disk images into and out of volumes through the engine API, sparsely.</summary>
internal static class RawImages
{
    private const int ChunkBytes = 4 * 1024 * 1024;

    /// <summary>Creates a volume the size of the image and writes every chunk that is not all zeros.</summary>
    public static void Import(Pool pool, string imagePath, string volume)
    {
        using var image = File.OpenRead(imagePath);
        pool.CreateVolume(volume, image.Length);
        using var handle = pool.Open(volume);
        byte[] chunk = new byte[ChunkBytes];
        for (long offset = 0; offset < image.Length; offset += ChunkBytes)
        {
            int length = (int)Math.Min(ChunkBytes, image.Length - offset);
            image.ReadExactly(chunk, 0, length);
            // A new volume reads as zeros already: writing zero chunks would only allocate space.
            if (chunk.AsSpan(0, length).ContainsAnyExcept((byte)0)) handle.Write(offset, chunk.AsSpan(0, length));
        }
        handle.Flush();
    }

    /// <summary>Writes a volume or snapshot ("vol@snap") to a sparse raw file.</summary>
    public static void Export(Pool pool, string target, string imagePath)
    {
        using var handle = pool.Open(target, readOnly: true);
        using var image = new FileStream(imagePath, FileMode.Create, FileAccess.Write);
        image.SetLength(handle.Size);
        byte[] chunk = new byte[ChunkBytes];
        for (long offset = 0; offset < handle.Size; offset += ChunkBytes)
        {
            int length = (int)Math.Min(ChunkBytes, handle.Size - offset);
            handle.Read(offset, chunk.AsSpan(0, length));
            if (!chunk.AsSpan(0, length).ContainsAnyExcept((byte)0)) continue;
            image.Position = offset;
            image.Write(chunk, 0, length);
        }
    }

    /// <summary>True when two volumes/snapshots hold the same bytes; reports the first differing offset.</summary>
    public static bool SameContent(Pool pool, string first, string second, out long firstDifference)
    {
        using var a = pool.Open(first, readOnly: true);
        using var b = pool.Open(second, readOnly: true);
        firstDifference = -1;
        if (a.Size != b.Size) { firstDifference = Math.Min(a.Size, b.Size); return false; }
        byte[] chunkA = new byte[ChunkBytes], chunkB = new byte[ChunkBytes];
        for (long offset = 0; offset < a.Size; offset += ChunkBytes)
        {
            int length = (int)Math.Min(ChunkBytes, a.Size - offset);
            a.Read(offset, chunkA.AsSpan(0, length));
            b.Read(offset, chunkB.AsSpan(0, length));
            int mismatch = chunkA.AsSpan(0, length).CommonPrefixLength(chunkB.AsSpan(0, length));
            if (mismatch < length) { firstDifference = offset + mismatch; return false; }
        }
        return true;
    }

    /// <summary>True when a volume or snapshot holds exactly a raw image file's bytes.</summary>
    public static bool SameContentAsFile(Pool pool, string target, string imagePath, out long firstDifference)
    {
        using var handle = pool.Open(target, readOnly: true);
        using var image = File.OpenRead(imagePath);
        firstDifference = -1;
        if (handle.Size != image.Length) { firstDifference = Math.Min(handle.Size, image.Length); return false; }
        byte[] fromVolume = new byte[ChunkBytes], fromFile = new byte[ChunkBytes];
        for (long offset = 0; offset < handle.Size; offset += ChunkBytes)
        {
            int length = (int)Math.Min(ChunkBytes, handle.Size - offset);
            handle.Read(offset, fromVolume.AsSpan(0, length));
            image.ReadExactly(fromFile, 0, length);
            int same = fromVolume.AsSpan(0, length).CommonPrefixLength(fromFile.AsSpan(0, length));
            if (same < length) { firstDifference = offset + same; return false; }
        }
        return true;
    }
}
