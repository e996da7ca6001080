using Rewind.Engine;

namespace Rewind.Bench;

/// <summary>
/// Benchmark 1: 4 KiB random and 1 MiB sequential read/write throughput on a filled volume, one and
/// two threads, writes with only a final (timed) Flush and with a Flush every 64 writes.
/// </summary>
internal static class IoThroughputBench
{
    public static void Run(BenchContext ctx)
    {
        long volumeSize = ctx.Quick ? 256 * Stats.MiB : 2 * Stats.GiB;
        int trials = ctx.Quick ? 3 : 5;
        var trialLength = TimeSpan.FromSeconds(ctx.Quick ? 0.4 : 3);
        var warmup = TimeSpan.FromSeconds(ctx.Quick ? 0.1 : 0.5);

        var cases = new List<IoCase>
        {
            new("4K random read", 4096, 1, Write: false, Sequential: false, FlushEvery: 0),
            new("4K random read", 4096, 2, false, false, 0),
            new("4K random write", 4096, 1, true, false, 0),
            new("4K random write", 4096, 2, true, false, 0),
            new("4K random write", 4096, 1, true, false, 64),
            new("4K random write", 4096, 2, true, false, 64),
            new("1M sequential read", 1 << 20, 1, false, true, 0),
            new("1M sequential write", 1 << 20, 1, true, true, 0),
            new("1M sequential write", 1 << 20, 1, true, true, 64),
        };

        ctx.Out.WriteLine($"## 1. I/O throughput ({Stats.Size(volumeSize)} volume, filled first)");
        ctx.Out.WriteLine();
        using var pool = ctx.NewPool("io");
        pool.Pool.CreateVolume("v", volumeSize);
        double fill;
        using (var h = pool.Pool.Open("v")) fill = new RandomData(1).Fill(h, 0, volumeSize, ctx, "io fill");
        ctx.Out.WriteLine($"Fill with 4 MiB writes + final Flush: {MarkdownTable.Format(fill)} MiB/s. " +
                          $"Each case: {trials} trials of {trialLength.TotalSeconds:0.#} s after a {warmup.TotalSeconds:0.#} s warm-up; " +
                          "IOPS and MiB/s are medians over trials, latencies are percentiles over every operation of every trial.");
        ctx.Out.WriteLine();

        var table = new MarkdownTable("case", "threads", "flush", "IOPS", "MiB/s", "p50 µs", "p99 µs", "min..max IOPS");
        int seed = 100;
        foreach (var c in cases)
        {
            ctx.Progress($"io: {c.Name} x{c.Threads} {c.FlushPolicy}");
            var handles = Enumerable.Range(0, c.Threads).Select(_ => pool.Pool.Open("v")).ToArray();
            try
            {
                var work = new IoWorkload(c, handles, volumeSize, seed++);
                work.Run(warmup);
                work.ForgetLatencies();
                var results = Enumerable.Range(0, trials).Select(_ => work.Run(trialLength)).ToList();
                var lat = work.Latencies();
                Array.Sort(lat);
                var iops = results.Select(r => r.Iops).ToList();
                table.Add(c.Name, c.Threads, c.FlushPolicy, Stats.Median(iops), Stats.Median(results.Select(r => r.MiBps).ToList()),
                    Stats.TicksToUs(Pick(lat, 50)), Stats.TicksToUs(Pick(lat, 99)),
                    $"{MarkdownTable.Format(iops.Min())}..{MarkdownTable.Format(iops.Max())}");
            }
            finally
            {
                foreach (var h in handles) h.Dispose();
            }
        }
        table.Print(ctx.Out);
        ctx.Out.WriteLine("Where a 4 KiB read's time goes (each 4 KiB read makes the engine read and CRC-check its whole 64 KiB cluster; " +
                          "each 4 KiB write reads the old cluster and writes a whole new 64 KiB one):");
        ctx.Out.WriteLine();
        ReadPathBreakdown.Measure(pool.Path, pool.Pool.ClusterSize, ctx.Quick ? 5000 : 50000).Print(ctx.Out);
        var status = pool.Pool.GetStatus();
        ctx.Out.WriteLine($"After the run: {Stats.Size(status.AllocatedBytes)} allocated, data files {status.DataFileBytesOnDisk / Stats.MiB} MiB on disk, " +
                          $"{status.PendingFreeBytes / Stats.MiB} MiB pending free.");
        ctx.Out.WriteLine();
    }

    private static long Pick(long[] sorted, double percent) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
}
