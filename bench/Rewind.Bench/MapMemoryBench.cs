using Rewind.Engine;

namespace Rewind.Bench;

/// <summary>
/// Benchmark 4: block-map memory (the engine's internal MapMemoryBytes: distinct map nodes plus slot
/// reference counts) per allocated 64 KiB cluster, after writing 1 GiB and 16 GiB and at snapshot depth
/// 1000. The latency and depth benchmarks record these states as they build them; whatever they did
/// not (because of --only) is built here.
/// </summary>
internal static class MapMemoryBench
{
    public static void Run(BenchContext ctx)
    {
        var stages = MetadataLatencyBench.Stages(ctx.Quick);
        if (stages.Any(s => !ctx.MapMemory.ContainsKey(MetadataLatencyBench.StageLabel(s))))
        {
            using var pool = ctx.NewPool("mapmem");
            pool.Pool.CreateVolume("v", stages[^1]);
            var data = new RandomData(6);
            long written = 0;
            foreach (long stage in stages)
            {
                using (var h = pool.Pool.Open("v")) data.Fill(h, written, stage, ctx, "mapmem fill");
                written = stage;
                pool.Pool.ReclaimNow();
                string label = MetadataLatencyBench.StageLabel(stage);
                ctx.MapMemory[label] = new MapMemorySample(label, pool.Pool.MapMemoryBytes(), pool.Pool.GetStatus().AllocatedBytes, pool.Pool.ClusterSize);
            }
        }
        string depthLabel = SnapshotDepthBench.DepthLabel(ctx.Quick);
        if (!ctx.MapMemory.ContainsKey(depthLabel))
        {
            using var pool = SnapshotDepthBench.FilledPool(ctx);
            SnapshotDepthBench.Deepen(pool.Pool, 0, SnapshotDepthBench.Depths[^1], new Random(4), new RandomData(5));
            pool.Pool.ReclaimNow();
            ctx.MapMemory[depthLabel] = new MapMemorySample(depthLabel, pool.Pool.MapMemoryBytes(), pool.Pool.GetStatus().AllocatedBytes, pool.Pool.ClusterSize);
        }

        ctx.Out.WriteLine("## 4. Map memory per allocated cluster");
        ctx.Out.WriteLine();
        ctx.Out.WriteLine("MapMemoryBytes() (distinct map nodes, counted once however many versions share them, plus the slot " +
                          "reference-count and reusable-slot arrays) divided by the allocated clusters (slots held by the volume " +
                          "or any snapshot), after ReclaimNow().");
        ctx.Out.WriteLine();
        var table = new MarkdownTable("state", "allocated", "map memory", "bytes per 64 KiB");
        foreach (var s in ctx.MapMemory.Values)
        {
            table.Add(s.State, Stats.Size(s.AllocatedBytes), $"{s.MapBytes / (double)Stats.MiB:F2} MiB", s.BytesPerCluster);
            ctx.Check("mapmem", $"map bytes per 64 KiB, {s.State}", "<= 16", MarkdownTable.Format(s.BytesPerCluster), s.BytesPerCluster <= 16);
        }
        table.Print(ctx.Out);
    }
}
