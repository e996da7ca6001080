using Rewind.Engine.Storage;
using Rewind.Engine.Tests.Support;

namespace Rewind.Engine.Tests;

/// <summary>
/// Random bit flips anywhere in the data file after a random workload: every cluster of every volume and
/// snapshot reads either exactly as the model says or as a checksum error naming it — never wrong data —
/// and scrub names exactly the clusters that fail to read.
/// </summary>
public class BitRotTests
{
    private const int Cluster = 4096;

    [Theory]
    [MemberData(nameof(Seeds.CrashRuns), MemberType = typeof(Seeds))]
    public void FlippedDataBitsAreNeverReadAsDataAndScrubNamesEachDamagedCluster(int seed)
    {
        var storage = new SimulatedStorage();
        using var pool = Pool.Open("/sim", new PoolOptions { Storage = storage, BackgroundWork = false, ClusterSize = Cluster });
        var workload = new RandomWorkload(pool, seed, 512 * 1024, Cluster);
        for (int i = 0; i < 300; i++) workload.Step(allowReopen: false);
        pool.Flush();
        var rng = new Random(seed);
        long length = storage.FileLength("data.000");
        for (int i = 0; i < 15; i++) storage.FlipBit("data.000", rng.NextInt64(length), rng.Next(8));
        // Also aim at clusters in use: find a random non-zero model cluster where it is stored, and damage it.
        var contents = workload.Model.Volumes.Values.SelectMany(v => v.Snapshots.Select(s => s.Content).Prepend(v.Content)).ToList();
        for (int i = 0; i < 10; i++)
        {
            var content = contents[rng.Next(contents.Count)];
            long start = (long)rng.Next(content.Length / Cluster) * Cluster;
            if (content.AsSpan((int)start, Cluster).IndexOfAnyExcept((byte)0) < 0) continue;
            if (StoredAt(storage, content.AsSpan((int)start, Cluster)) is long slotOffset)
                storage.FlipBit("data.000", slotOffset + rng.Next(Cluster), rng.Next(8));
        }

        var failed = new HashSet<string>();
        foreach (var (volume, state) in workload.Model.Volumes)
        {
            Check(pool, volume, $"volume {volume}", state.Content, failed, seed);
            foreach (var (snap, content) in state.Snapshots)
                Check(pool, $"{volume}@{snap}", $"snapshot {volume}@{snap}", content, failed, seed);
        }
        Assert.True(failed.Count > 0, $"seed {seed}: no flip hit a referenced cluster; the test proved nothing");
        var reported = pool.Scrub().Problems.Where(p => p.Kind == "checksum").Select(p => p.Where).ToHashSet();
        Assert.True(failed.SetEquals(reported),
            $"seed {seed}: reads failed at [{string.Join(", ", failed.Order())}] but scrub reported [{string.Join(", ", reported.Order())}]");
    }

    private static long? StoredAt(SimulatedStorage storage, ReadOnlySpan<byte> cluster)
    {
        using var file = storage.Open("data.000", create: false);
        var slot = new byte[Cluster];
        for (long offset = 0; offset < file.Length; offset += Cluster)
        {
            file.Read(offset, slot);
            if (slot.AsSpan().SequenceEqual(cluster)) return offset;
        }
        return null;
    }

    private static void Check(Pool pool, string target, string describe, byte[] expected, HashSet<string> failed, int seed)
    {
        using var h = pool.Open(target);
        var cluster = new byte[Cluster];
        for (long offset = 0; offset < expected.Length; offset += Cluster)
        {
            int n = (int)Math.Min(Cluster, expected.Length - offset);
            try
            {
                h.Read(offset, cluster.AsSpan(0, n));
                Assert.True(cluster.AsSpan(0, n).SequenceEqual(expected.AsSpan((int)offset, n)),
                    $"seed {seed}: {describe} at offset {offset} read wrong data without a checksum error");
            }
            catch (ChecksumException e)
            {
                Assert.Equal(describe, e.Target);
                Assert.Equal(offset, e.Offset);
                failed.Add($"{describe} offset {offset}");
            }
        }
    }
}
