namespace Rewind.Engine.Tests.Support;

/// <summary>Comparisons of a pool against the model that several tests share. Messages carry the caller's context (seed, op).</summary>
public static class ModelChecks
{
    /// <summary>Every volume and snapshot reads back exactly; referenced bytes equal the model's non-zero clusters.</summary>
    public static void EverythingMatches(Pool pool, ModelState model, string context)
    {
        var image = PoolImage.Read(pool);
        var difference = image.Difference(model);
        Assert.True(difference == null, $"{context}: {difference}");
        int cs = pool.ClusterSize;
        foreach (var (name, v) in model.Volumes)
        {
            Assert.True(ModelState.NonZeroClusterBytes(v.Content, cs) == pool.GetVolume(name).ReferencedBytes,
                $"{context}: volume {name} references {pool.GetVolume(name).ReferencedBytes} bytes but the model has {ModelState.NonZeroClusterBytes(v.Content, cs)} in non-zero clusters");
            foreach (var s in pool.ListSnapshots(name))
            {
                long expected = ModelState.NonZeroClusterBytes(model.SnapshotContent(name, s.Name), cs);
                Assert.True(expected == s.ReferencedBytes, $"{context}: snapshot {s.FullName} references {s.ReferencedBytes} bytes but the model has {expected}");
            }
        }
    }

    /// <summary>Diff's ranges are cluster-aligned and cover every byte that differs between the two model states.</summary>
    public static void DiffCoversChanges(IReadOnlyList<ByteRange> ranges, byte[] from, byte[] to, int clusterSize, string context)
    {
        long limit = Math.Max(from.Length, to.Length);
        var covered = new bool[(limit + clusterSize - 1) / clusterSize];
        foreach (var r in ranges)
        {
            Assert.True(r.Offset % clusterSize == 0 && r.Length > 0 && (r.End % clusterSize == 0 || r.End == limit),
                $"{context}: diff range {r} is not cluster-aligned (limit {limit})");
            Assert.True(r.End <= limit, $"{context}: diff range {r} passes the larger size {limit}");
            for (long c = r.Offset / clusterSize; c * clusterSize < r.End; c++) covered[c] = true;
        }
        foreach (long at in ModelState.DifferingOffsets(from, to))
            if (!covered[at / clusterSize])
            {
                Assert.Fail($"{context}: byte {at} differs but no diff range covers it (ranges: {string.Join(" ", ranges)})");
                return;
            }
    }

    public static void ScrubIsClean(Pool pool, string context)
    {
        var report = pool.Scrub();
        Assert.True(report.Clean, $"{context}: scrub found {string.Join("; ", report.Problems)}");
    }
}
