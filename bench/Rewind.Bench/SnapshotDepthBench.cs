using System.Diagnostics;
using Rewind.Engine;

namespace Rewind.Bench;

/// <summary>
/// Benchmark 3: random 4 KiB read throughput of the live volume as its snapshot history deepens.
/// A filled volume gets N rounds of (16 random 4 KiB writes, then a snapshot); reads are measured at
/// depth 0, 10, 100 and 1000 (one pool each, trials interleaved) and compared with depth 0. A chain-of-layers design (qcow2 backing files)
/// loses most of its read speed here; a shared radix map should not.
/// </summary>
internal static class SnapshotDepthBench
{
    public static readonly int[] Depths = [0, 10, 100, 1000];
    public const int WritesPerSnapshot = 16;

    public static long VolumeSize(bool quick) => quick ? 128 * Stats.MiB : Stats.GiB;

    public static string DepthLabel(bool quick) => $"depth {Depths[^1]} ({Stats.Size(VolumeSize(quick))} volume, {WritesPerSnapshot} writes/snapshot)";

    /// <summary>A pool holding volume "v", filled; the caller deepens it with <see cref="Deepen"/>.</summary>
    public static TempPool FilledPool(BenchContext ctx)
    {
        var pool = ctx.NewPool("depth");
        pool.Pool.CreateVolume("v", VolumeSize(ctx.Quick));
        using var h = pool.Pool.Open("v");
        new RandomData(3).Fill(h, 0, VolumeSize(ctx.Quick), ctx, "depth fill");
        return pool;
    }

    /// <summary>Adds snapshots from <paramref name="depth"/> up to <paramref name="target"/>; returns each CreateSnapshot's ms.</summary>
    public static List<double> Deepen(Pool p, int depth, int target, Random random, RandomData data)
    {
        var ms = new List<double>();
        using var h = p.Open("v");
        long blocks = h.Size / 4096;
        for (int d = depth; d < target; d++)
        {
            for (int w = 0; w < WritesPerSnapshot; w++) h.Write(random.NextInt64(blocks) * 4096, data.Next(4096));
            long t0 = Stopwatch.GetTimestamp();
            p.CreateSnapshot("v", $"d{d + 1}");
            ms.Add(Stats.TicksToMs(Stopwatch.GetTimestamp() - t0));
        }
        return ms;
    }

    public static void Run(BenchContext ctx)
    {
        long volumeSize = VolumeSize(ctx.Quick);
        int trials = ctx.Quick ? 3 : 5;
        var trialLength = TimeSpan.FromSeconds(ctx.Quick ? 0.4 : 3);
        var warmup = TimeSpan.FromSeconds(ctx.Quick ? 0.1 : 0.5);
        ctx.Out.WriteLine("## 3. Random read throughput versus snapshot depth");
        ctx.Out.WriteLine();
        ctx.Out.WriteLine($"One pool per depth, open side by side: a {Stats.Size(volumeSize)} volume, filled, then N times ({WritesPerSnapshot} random " +
                          "4 KiB writes, CreateSnapshot). Then 4 KiB random reads of each live volume over its whole size, 1 thread: " +
                          $"{trials} rounds, each running one {trialLength.TotalSeconds:0.#} s trial per depth in rotating order (after a " +
                          $"{warmup.TotalSeconds:0.#} s warm-up each), so noise from the shared machine lands on every depth alike. " +
                          "IOPS is the median over trials. The volumes fit in the page cache: this measures the engine's lookup path, not the disk.");
        ctx.Out.WriteLine();

        var pools = new List<TempPool>();
        var handles = new List<VolumeHandle>();
        try
        {
            var snapMs = new List<List<double>>();
            var memory = new List<MapMemorySample>();
            foreach (int depth in Depths)
            {
                var pool = FilledPool(ctx);
                pools.Add(pool);
                ctx.Progress($"depth: building to {depth}");
                snapMs.Add(Deepen(pool.Pool, 0, depth, new Random(4), new RandomData(5)));
                pool.Pool.ReclaimNow();
                memory.Add(new MapMemorySample($"depth {depth}", pool.Pool.MapMemoryBytes(), pool.Pool.GetStatus().AllocatedBytes, pool.Pool.ClusterSize));
            }
            ctx.MapMemory[DepthLabel(ctx.Quick)] = memory[^1] with { State = DepthLabel(ctx.Quick) };

            var work = new List<IoWorkload>();
            foreach (var pool in pools)
            {
                var h = pool.Pool.Open("v", readOnly: true);
                handles.Add(h);
                var w = new IoWorkload(new IoCase("4K random read", 4096, 1, false, false, 0), [h], volumeSize, 7);
                w.Run(warmup);
                w.ForgetLatencies();
                work.Add(w);
            }
            var iops = Depths.Select(_ => new List<double>()).ToArray();
            for (int t = 0; t < trials; t++)
            {
                ctx.Progress($"depth: read round {t + 1} of {trials}");
                for (int k = 0; k < Depths.Length; k++)
                {
                    int d = (t + k) % Depths.Length;
                    iops[d].Add(work[d].Run(trialLength).Iops);
                }
            }

            var table = new MarkdownTable("depth", "IOPS", "ratio to depth 0", "min..max IOPS", "p50 µs", "p99 µs",
                "CreateSnapshot median ms (last 10 taken)", "map bytes / 64 KiB");
            double baseline = Stats.Median(iops[0]);
            for (int d = 0; d < Depths.Length; d++)
            {
                var lat = work[d].Latencies();
                Array.Sort(lat);
                double median = Stats.Median(iops[d]);
                var lastSnaps = snapMs[d].TakeLast(10).ToList();
                table.Add(Depths[d], median, $"{median / baseline:F2}x", $"{MarkdownTable.Format(iops[d].Min())}..{MarkdownTable.Format(iops[d].Max())}",
                    Stats.TicksToUs(lat[lat.Length / 2]), Stats.TicksToUs(lat[Math.Min(lat.Length - 1, (int)(lat.Length * 0.99))]),
                    lastSnaps.Count == 0 ? "-" : MarkdownTable.Format(Stats.Median(lastSnaps)), memory[d].BytesPerCluster);
            }
            table.Print(ctx.Out);
            double ratio = Stats.Median(iops[^1]) / baseline;
            ctx.Check("depth", $"4K random read IOPS at depth {Depths[^1]} / depth 0", ">= 0.9x", $"{ratio:F2}x", ratio >= 0.9);
        }
        finally
        {
            foreach (var h in handles) h.Dispose();
            foreach (var pool in pools) pool.Dispose();
        }
    }
}
