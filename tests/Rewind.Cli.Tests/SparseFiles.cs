using System.Diagnostics;

namespace Rewind.Cli.Tests;

/// <summary>Builds sparse test images and measures how much disk they really take.</summary>
public static class SparseFiles
{
    /// <summary>
    /// A file of <paramref name="clusters"/> 64 KiB clusters: about a quarter random data, a few
    /// explicitly written (allocated) zero clusters, the rest holes. Returns the indexes of data clusters.
    /// </summary>
    public static HashSet<int> Create(string path, int clusters, int seed, int clusterSize = 64 * 1024)
    {
        var random = new Random(seed);
        var data = new HashSet<int>();
        using var f = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        f.SetLength((long)clusters * clusterSize - 1000); // a length that is not a multiple of 512
        var buffer = new byte[clusterSize];
        for (int i = 0; i < clusters; i++)
        {
            int roll = random.Next(8);
            if (roll >= 2) continue;
            long offset = (long)i * clusterSize;
            int length = (int)Math.Min(clusterSize, f.Length - offset);
            if (roll == 0)
            {
                random.NextBytes(buffer);
                data.Add(i);
            }
            else
            {
                Array.Clear(buffer);
            }
            f.Position = offset;
            f.Write(buffer, 0, length);
        }
        return data;
    }

    /// <summary>Bytes of disk blocks the file occupies (st_blocks * 512), from stat(1).</summary>
    public static long AllocatedBytes(string path)
    {
        var psi = new ProcessStartInfo("stat", ["-c", "%b %B", path]) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        string[] parts = p.StandardOutput.ReadToEnd().Trim().Split(' ');
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
        return long.Parse(parts[0]) * long.Parse(parts[1]);
    }

    public static void AssertSameBytes(string expectedPath, string actualPath, long length)
    {
        using var a = File.OpenRead(expectedPath);
        using var b = File.OpenRead(actualPath);
        var ba = new byte[1 << 20];
        var bb = new byte[1 << 20];
        for (long at = 0; at < length; at += ba.Length)
        {
            int n = (int)Math.Min(ba.Length, length - at);
            a.ReadExactly(ba, 0, n);
            b.ReadExactly(bb, 0, n);
            if (!ba.AsSpan(0, n).SequenceEqual(bb.AsSpan(0, n)))
            {
                int i = ba.AsSpan(0, n).CommonPrefixLength(bb.AsSpan(0, n));
                Assert.Fail($"{actualPath} differs from {expectedPath} at byte {at + i}");
            }
        }
    }
}
