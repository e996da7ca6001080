using Rewind.Engine.Storage;

namespace Rewind.Engine.Tests;

/// <summary>
/// In-place rewrites of whole checksum blocks (sixteenths of a cluster) derive the new cluster checksum
/// from the blocks' remembered checksums without reading the old bytes. These pin down that the result
/// is exact (reads, reopen and scrub agree with a model) and that damage in blocks the rewrite did not
/// touch is still reported, never laundered into a valid checksum.
/// </summary>
public class InPlaceBlockTests
{
    private const int Cluster = 64 * 1024;
    private const int Block = Cluster / 16;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void BlockRewritesReadBackExactlyAndSurviveReopen(int seed)
    {
        var storage = new SimulatedStorage();
        var options = new PoolOptions { Storage = storage, BackgroundWork = false, ClusterSize = Cluster };
        var rng = new Random(seed);
        var model = new byte[4 * Cluster];
        var pool = Pool.Open("/sim", options);
        try
        {
            pool.CreateVolume("v", model.Length);
            using (var h = pool.Open("v"))
            {
                for (int round = 0; round < 6; round++)
                {
                    // A partial write first (redirect: block checksums computed from the merged cluster),
                    // then block-aligned writes that rewrite the now fresh slot in place.
                    WriteRandom(h, model, rng, rng.Next(model.Length - 700), 1 + rng.Next(700));
                    for (int i = 0; i < 40; i++)
                    {
                        int cluster = rng.Next(model.Length / Cluster);
                        int first = rng.Next(16), count = 1 + rng.Next(16 - first);
                        WriteRandom(h, model, rng, cluster * Cluster + first * Block, count * Block);
                        AssertReads(h, model, $"seed {seed} round {round} write {i}");
                    }
                    h.Flush(); // a commit: every slot stops being fresh
                }
            }
            pool.Dispose();
            pool = Pool.Open("/sim", options);
            using (var h = pool.Open("v")) AssertReads(h, model, $"seed {seed} after reopen");
            Assert.Empty(pool.Scrub().Problems);
        }
        finally
        {
            pool.Dispose();
        }
    }

    [Fact]
    public void DamageOutsideTheRewrittenBlocksIsStillReported()
    {
        var storage = new SimulatedStorage();
        using var pool = Pool.Open("/sim", new PoolOptions { Storage = storage, BackgroundWork = false, ClusterSize = Cluster });
        pool.CreateVolume("v", Cluster);
        using var h = pool.Open("v");
        var rng = new Random(7);
        var content = new byte[Cluster];
        rng.NextBytes(content);
        h.Write(0, content);
        long slot = StoredAt(storage, content) ?? throw new InvalidOperationException("cluster not found in the data file");

        storage.FlipBit("data.000", slot + 10 * Block + 123, 3); // rot in block 10
        var patch = new byte[2 * Block];
        rng.NextBytes(patch);
        h.Write(2 * Block, patch); // blocks 2-3 rewritten in place from the remembered checksums
        patch.CopyTo(content, 2 * Block);

        var back = new byte[2 * Block];
        h.Read(2 * Block, back); // the rewritten blocks themselves read fine
        Assert.Equal(patch, back);
        var whole = new byte[Cluster];
        var e = Assert.Throws<ChecksumException>(() => h.Read(0, whole));
        Assert.Equal(0, e.Offset);
        Assert.Throws<ChecksumException>(() => h.Read(10 * Block, new byte[100]));
        Assert.Contains(pool.Scrub().Problems, p => p.Kind == "checksum");
    }

    private static void WriteRandom(VolumeHandle h, byte[] model, Random rng, int offset, int length)
    {
        var data = new byte[length];
        rng.NextBytes(data);
        h.Write(offset, data);
        data.CopyTo(model, offset);
    }

    private static void AssertReads(VolumeHandle h, byte[] model, string when)
    {
        var back = new byte[model.Length];
        h.Read(0, back);
        for (int c = 0; c < model.Length / Cluster; c++)
            Assert.True(back.AsSpan(c * Cluster, Cluster).SequenceEqual(model.AsSpan(c * Cluster, Cluster)), $"{when}: cluster {c} differs");
    }

    private static long? StoredAt(SimulatedStorage storage, byte[] cluster)
    {
        using var file = storage.Open("data.000", create: false);
        var slot = new byte[Cluster];
        for (long offset = 0; offset + Cluster <= file.Length; offset += Cluster)
        {
            file.Read(offset, slot);
            if (slot.AsSpan().SequenceEqual(cluster)) return offset;
        }
        return null;
    }
}
