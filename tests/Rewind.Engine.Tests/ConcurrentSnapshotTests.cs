using Rewind.Engine.Storage;

namespace Rewind.Engine.Tests;

/// <summary>Snapshots taken while other threads write hold every write acknowledged before the call and none issued after it.</summary>
public class ConcurrentSnapshotTests
{
    private const int Cluster = 4096, Writers = 2, WritesEach = 400;

    [Fact]
    public void SnapshotsTakenDuringConcurrentWritesHoldExactlyTheAcknowledgedWrites()
    {
        using var pool = Pool.Open("/sim", new PoolOptions { Storage = new SimulatedStorage(), ClusterSize = Cluster });
        pool.CreateVolume("v", (long)Writers * WritesEach * Cluster);
        var started = new int[Writers];
        var acknowledged = new int[Writers];
        int snapshotsTaken = 0;
        var threads = Enumerable.Range(0, Writers).Select(w => new Thread(() =>
        {
            using var h = pool.Open("v");
            var data = new byte[Cluster];
            for (int j = 0; j < WritesEach; j++)
            {
                data.AsSpan().Fill((byte)(1 + (j % 250)));
                Volatile.Write(ref started[w], j + 1);
                h.Write(((long)w * WritesEach + j) * Cluster, data);
                Volatile.Write(ref acknowledged[w], j + 1);
                // Halfway, wait for a few snapshots, so some surely land in the middle of the writes.
                if (j == WritesEach / 2) SpinWait.SpinUntil(() => Volatile.Read(ref snapshotsTaken) >= 3, TimeSpan.FromSeconds(30));
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        var taken = new List<(string Name, int[] AckedBefore, int[] StartedAfter)>();
        for (int s = 0; threads.Any(t => t.IsAlive) && s < 200; s++)
        {
            var acked = Enumerable.Range(0, Writers).Select(w => Volatile.Read(ref acknowledged[w])).ToArray();
            pool.CreateSnapshot("v", $"s{s}");
            var issued = Enumerable.Range(0, Writers).Select(w => Volatile.Read(ref started[w])).ToArray();
            taken.Add(($"s{s}", acked, issued));
            Interlocked.Increment(ref snapshotsTaken);
        }
        threads.ForEach(t => t.Join());
        Assert.True(taken.Count >= 3, "fewer than three snapshots were taken while the writers ran");

        var cluster = new byte[Cluster];
        foreach (var (name, acked, issued) in taken)
        {
            using var h = pool.Open($"v@{name}");
            for (int w = 0; w < Writers; w++)
                for (int j = 0; j < WritesEach; j++)
                {
                    h.Read(((long)w * WritesEach + j) * Cluster, cluster);
                    bool present = cluster[0] == (byte)(1 + (j % 250)) && cluster.AsSpan().IndexOfAnyExcept(cluster[0]) < 0;
                    bool absent = cluster.AsSpan().IndexOfAnyExcept((byte)0) < 0;
                    if (j < acked[w]) Assert.True(present, $"snapshot {name} lacks write {j} of writer {w}, acknowledged before it");
                    else if (j >= issued[w]) Assert.True(absent, $"snapshot {name} holds write {j} of writer {w}, issued after it returned");
                    else Assert.True(present || absent, $"snapshot {name} holds a torn write {j} of writer {w}");
                }
        }
        Assert.True(pool.Scrub().Clean);
    }
}
