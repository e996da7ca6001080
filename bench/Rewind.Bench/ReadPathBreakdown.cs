using System.Diagnostics;
using Rewind.Engine.Journal;

namespace Rewind.Bench;

/// <summary>
/// Stopwatch breakdown of a 4 KiB read: the engine reads and checksums the whole 64 KiB cluster, so
/// this times those pieces alone (page-cache pread of 4 KiB and of 64 KiB from the pool's data file,
/// CRC-32C over 64 KiB with the engine's own routine) to show where a read's time goes.
/// </summary>
internal static class ReadPathBreakdown
{
    public static MarkdownTable Measure(string poolDirectory, int clusterSize, int ops)
    {
        var table = new MarkdownTable("piece (no engine)", "median µs", "p99 µs");
        string dataFile = Path.Combine(poolDirectory, "data.000");
        using var handle = File.OpenHandle(dataFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        long clusters = RandomAccess.GetLength(handle) / clusterSize;
        var buffer = new byte[clusterSize];
        var random = new Random(9);
        foreach (int size in new[] { 4096, clusterSize })
        {
            var us = Time(ops, () => RandomAccess.Read(handle, buffer.AsSpan(0, size), random.NextInt64(clusters) * clusterSize));
            table.Add($"pread {size / 1024} KiB from data.000 (page cache)", Stats.Median(us), Stats.Percentile(us, 99));
        }
        var crc = Time(ops, () => Crc32C.Compute(buffer));
        table.Add($"CRC-32C over {clusterSize / 1024} KiB (engine's Crc32C)", Stats.Median(crc), Stats.Percentile(crc, 99));
        return table;
    }

    private static List<double> Time(int ops, Action op)
    {
        for (int i = 0; i < 1000; i++) op();
        var us = new List<double>(ops);
        for (int i = 0; i < ops; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            op();
            us.Add(Stats.TicksToUs(Stopwatch.GetTimestamp() - t0));
        }
        return us;
    }
}
