namespace Rewind.Nbd.Tests.Support;

/// <summary>Raw test images with random data runs at odd places and holes between them.</summary>
public static class SparseImage
{
    private const long MiB = 1024 * 1024;

    public static void Write(string path, long size, int seed)
    {
        var rng = new Random(seed);
        using var f = new FileStream(path, FileMode.Create);
        f.SetLength(size);
        foreach (var (offset, length) in new[] { (0L, 70_000), (3 * MiB + 4097, 200_000), (9 * MiB, (int)MiB), (size - 5000, 5000) })
        {
            var data = new byte[length];
            rng.NextBytes(data);
            f.Position = offset;
            f.Write(data);
        }
    }
}
