using System.Diagnostics;
using Rewind.Engine;

namespace Rewind.Bench;

/// <summary>
/// Benchmark 2: latency of CreateSnapshot, Clone and Rollback on a volume with 1 GiB written and on one
/// with 16 GiB written. Each is durable on return (journal commit with fdatasync).
///
/// The two states live in two pools open side by side, and repetitions alternate between them, so a
/// shared disk that is slow for a while (say, still writing back the 16 GiB) slows both columns alike
/// instead of passing for a size effect. Each repetition also times a bare fdatasync'd 4 KiB append
/// (the disk's own cost at that moment), a metadata operation that is nothing but a commit
/// (RenameVolume), and the O(map) usage scan (ListSnapshots / GetVolume) the create calls must avoid.
/// </summary>
internal static class MetadataLatencyBench
{
    /// <summary>How much is written in each state; the volume is as large as the last one in both.</summary>
    public static long[] Stages(bool quick) => quick ? [128 * Stats.MiB, Stats.GiB] : [Stats.GiB, 16 * Stats.GiB];

    public static string StageLabel(long written) => $"{Stats.Size(written)} written";

    private sealed class Samples
    {
        public readonly List<double> Snapshot = new(), Clone = new(), Rollback = new(), Sync = new(), List = new(), Info = new(), Rename = new();
    }

    public static void Run(BenchContext ctx)
    {
        long[] stages = Stages(ctx.Quick);
        int reps = ctx.Quick ? 30 : 200;
        ctx.Out.WriteLine("## 2. Snapshot, clone and rollback latency");
        ctx.Out.WriteLine();
        ctx.Out.WriteLine($"Two pools side by side, each with one {Stats.Size(stages[^1])} volume written with 4 MiB writes of random data: " +
                          $"{string.Join(" and ", stages.Select(Stats.Size))}. After the fills the disk is left to settle (fdatasync probe stops improving). " +
                          $"Then {reps} repetitions (after 5 untimed) alternating between the pools, each timing CreateSnapshot(v, s), Clone(v, s, c), " +
                          "Rollback(v, s); then a raw 4 KiB append + fdatasync on a scratch file beside the pools (the disk's durability cost at that " +
                          "moment), the O(map) usage scans, and a RenameVolume (a bare journal commit); then, untimed, c and s are deleted so every " +
                          "repetition sees the same pool. The volumes are idle (no writes in flight), so each call's commit is one journal block " +
                          "write + fdatasync. Every call is durable when it returns.");
        ctx.Out.WriteLine();

        var pools = new List<TempPool>();
        try
        {
            var fills = new List<string>();
            foreach (long stage in stages)
            {
                var pool = ctx.NewPool("latency");
                pools.Add(pool);
                var p = pool.Pool;
                p.CreateVolume("v", stages[^1]);
                double mibps;
                using (var h = p.Open("v")) mibps = new RandomData(2).Fill(h, 0, stage, ctx, "latency fill");
                fills.Add($"{Stats.Size(stage)}: {MarkdownTable.Format(mibps)} MiB/s");
                p.ReclaimNow();
                string label = StageLabel(stage);
                ctx.MapMemory[label] = new MapMemorySample(label, p.MapMemoryBytes(), p.GetStatus().AllocatedBytes, p.ClusterSize);
            }

            var samples = stages.Select(_ => new Samples()).ToArray();
            using (var probe = new SyncProbe(ctx.Options.Directory))
            {
                ctx.Progress("latency: letting the disk settle");
                double settled = probe.Settle(TimeSpan.FromSeconds(ctx.Quick ? 5 : 60));
                ctx.Out.WriteLine($"Fill throughput (4 MiB writes + final Flush): {string.Join("; ", fills)}. Probe fdatasync median after settling: {MarkdownTable.Format(settled)} ms.");
                ctx.Out.WriteLine();
                ctx.Progress($"latency: {reps} repetitions per state, alternating");
                for (int i = 0; i < 5; i++)
                    foreach (var pool in pools) Repetition(pool.Pool, probe, $"w{i}", null);
                for (int i = 0; i < reps; i++)
                    for (int k = 0; k < pools.Count; k++)
                    {
                        int s = (i + k) % pools.Count; // alternate which state goes first
                        Repetition(pools[s].Pool, probe, $"r{i}", samples[s]);
                    }
            }

            var table = new MarkdownTable("state", "operation", "median ms", "p99 ms", "min ms", "max ms", "median / probe fdatasync median", "reps");
            var breakdown = new MarkdownTable("state", "piece", "median ms", "p99 ms");
            for (int s = 0; s < stages.Length; s++)
            {
                string label = StageLabel(stages[s]);
                var x = samples[s];
                foreach (var (op, ms) in new[] { ("CreateSnapshot", x.Snapshot), ("Clone", x.Clone), ("Rollback", x.Rollback) })
                    table.Add(label, op, Stats.Median(ms), Stats.Percentile(ms, 99), ms.Min(), ms.Max(),
                        $"{Stats.Median(ms) / Stats.Median(x.Sync):F2}x", ms.Count);
                foreach (var (piece, ms) in new[]
                         {
                             ("4 KiB append + fdatasync on a scratch file (no engine)", x.Sync),
                             ("RenameVolume (a journal commit and nothing else)", x.Rename),
                             ("ListSnapshots(v) (full usage scan; not on the CreateSnapshot path)", x.List),
                             ("GetVolume(clone) (full usage scan; not on the Clone path)", x.Info),
                         })
                    breakdown.Add(label, piece, Stats.Median(ms), Stats.Percentile(ms, 99));
            }
            table.Print(ctx.Out);
            ctx.Out.WriteLine("Breakdown, timed in the same repetitions:");
            ctx.Out.WriteLine();
            breakdown.Print(ctx.Out);

            string small = StageLabel(stages[0]), large = StageLabel(stages[^1]);
            foreach (var (op, pick) in new (string, Func<Samples, List<double>>)[]
                     { ("CreateSnapshot", x => x.Snapshot), ("Clone", x => x.Clone), ("Rollback", x => x.Rollback) })
            {
                double ma = Stats.Median(pick(samples[0])), mb = Stats.Median(pick(samples[^1]));
                ctx.Check("latency", $"{op} median, {small}", "< 1 ms", $"{MarkdownTable.Format(ma)} ms", ma < 1);
                ctx.Check("latency", $"{op} median, {large}", "< 1 ms", $"{MarkdownTable.Format(mb)} ms", mb < 1);
                ctx.Check("latency", $"{op} median, {large} / {small}", "<= 1.5x", $"{MarkdownTable.Format(mb / ma)}x", mb / ma <= 1.5);
            }
        }
        finally
        {
            foreach (var pool in pools) pool.Dispose();
        }
    }

    /// <summary>One repetition on one pool: the three timed operations, then the breakdown pieces, then untimed cleanup.</summary>
    private static void Repetition(Pool p, SyncProbe probe, string name, Samples? into)
    {
        long t0 = Stopwatch.GetTimestamp();
        p.CreateSnapshot("v", name);
        long t1 = Stopwatch.GetTimestamp();
        p.Clone("v", name, $"c-{name}");
        long t2 = Stopwatch.GetTimestamp();
        p.Rollback("v", name);
        long t3 = Stopwatch.GetTimestamp();
        double sync = probe.MeasureMs();
        // The O(map) usage scan behind `snapshot list` / `volume info`, in the same state: the create calls must not pay it.
        long t4 = Stopwatch.GetTimestamp();
        p.ListSnapshots("v");
        long t5 = Stopwatch.GetTimestamp();
        p.GetVolume($"c-{name}");
        long t6 = Stopwatch.GetTimestamp();
        p.DeleteVolume($"c-{name}");
        p.DeleteSnapshot("v", name);
        long t7 = Stopwatch.GetTimestamp();
        p.RenameVolume("v", "v-renamed");
        long t8 = Stopwatch.GetTimestamp();
        p.RenameVolume("v-renamed", "v");
        if (into == null) return;
        into.Snapshot.Add(Stats.TicksToMs(t1 - t0));
        into.Clone.Add(Stats.TicksToMs(t2 - t1));
        into.Rollback.Add(Stats.TicksToMs(t3 - t2));
        into.Sync.Add(sync);
        into.List.Add(Stats.TicksToMs(t5 - t4));
        into.Info.Add(Stats.TicksToMs(t6 - t5));
        into.Rename.Add(Stats.TicksToMs(t8 - t7));
    }
}
