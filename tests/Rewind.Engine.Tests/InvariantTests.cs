using Rewind.Engine.Storage;
using Rewind.Engine.Tests.Support;

namespace Rewind.Engine.Tests;

/// <summary>One test per engine invariant in DESIGN.md, each built so that it fails if the invariant is broken.</summary>
public class InvariantTests
{
    private const int Cluster = 4096;

    private static Pool NewPool(SimulatedStorage? storage = null, int clusterSize = Cluster) =>
        Pool.Open("/sim", new PoolOptions { Storage = storage ?? new SimulatedStorage(), BackgroundWork = false, ClusterSize = clusterSize });

    private static byte[] Pattern(int length, int seed) => SimulatedCrashTests.Pattern(length, seed);

    private static void Write(Pool pool, string volume, long offset, byte[] data)
    {
        using var h = pool.Open(volume);
        h.Write(offset, data);
    }

    private static byte[] Read(Pool pool, string target, long offset, int length)
    {
        using var h = pool.Open(target);
        var bytes = new byte[length];
        h.Read(offset, bytes);
        return bytes;
    }

    private static bool IsZero(byte[] bytes) => bytes.AsSpan().IndexOfAnyExcept((byte)0) < 0;

    [Fact]
    public void SnapshotContainsExactlyTheWritesAcknowledgedBeforeIt()
    {
        using var pool = NewPool();
        pool.CreateVolume("v", 1 << 20);
        var before = Pattern(10_000, 1);
        var after = Pattern(10_000, 2);
        Write(pool, "v", 5000, before);
        pool.CreateSnapshot("v", "s");
        Write(pool, "v", 500_000, after);
        Assert.Equal(before, Read(pool, "v@s", 5000, before.Length));
        Assert.True(IsZero(Read(pool, "v@s", 500_000, after.Length)), "a write issued after the snapshot returned is in the snapshot");
    }

    [Fact]
    public void SnapshotNeverChangesWhenItsVolumeIsOverwrittenTrimmedOrResized()
    {
        using var pool = NewPool();
        pool.CreateVolume("v", 1 << 20);
        var original = Pattern(1 << 20, 3);
        Write(pool, "v", 0, original);
        pool.CreateSnapshot("v", "s");
        Write(pool, "v", 4000, Pattern(20_000, 4));
        using (var h = pool.Open("v")) { h.Trim(100_000, 300_000); h.WriteZeroes(700_001, 5); }
        pool.ResizeVolume("v", 300_032);
        pool.ResizeVolume("v", 2 << 20);
        Assert.Equal(original, PoolImage.ReadAll(pool, "v@s"));
        Assert.True(IsZero(Read(pool, "v", 300_032, 1 << 20)), "data past a shrink came back after growing");
    }

    [Fact]
    public void RollbackToAnOlderSnapshotKeepsNewerSnapshotsReadable()
    {
        using var pool = NewPool();
        pool.CreateVolume("v", 1 << 20);
        var old = Pattern(30_000, 5);
        var newer = Pattern(30_000, 6);
        Write(pool, "v", 1000, old);
        pool.CreateSnapshot("v", "old");
        Write(pool, "v", 1000, newer);
        pool.CreateSnapshot("v", "new");
        Write(pool, "v", 1000, Pattern(30_000, 7));
        pool.Rollback("v", "old");
        Assert.Equal(old, Read(pool, "v", 1000, old.Length));
        Assert.Equal(newer, Read(pool, "v@new", 1000, newer.Length));
        Assert.Equal(new[] { "old", "new" }, pool.ListSnapshots("v").Select(s => s.Name));
        pool.Rollback("v", "new");
        Assert.Equal(newer, Read(pool, "v", 1000, newer.Length));
        Assert.Equal(old, Read(pool, "v@old", 1000, old.Length));
    }

    [Fact]
    public void CloneSurvivesDeletionOfItsOriginSnapshotAndOriginVolume()
    {
        var storage = new SimulatedStorage();
        var data = Pattern(100_000, 8);
        using (var pool = NewPool(storage))
        {
            pool.CreateVolume("v", 1 << 20);
            Write(pool, "v", 777, data);
            pool.CreateSnapshot("v", "s");
            pool.Clone("v", "s", "c");
            Write(pool, "c", 0, Pattern(100, 9));
            pool.DeleteSnapshot("v", "s");
            pool.ReclaimNow();
            Assert.Equal(data[100..], Read(pool, "c", 877, data.Length - 100));
            pool.DeleteVolume("v");
            pool.ReclaimNow();
            Assert.Equal(data[100..], Read(pool, "c", 877, data.Length - 100));
            ModelChecks.ScrubIsClean(pool, "clone after its origin went");
        }
        using (var pool = NewPool(storage))
            Assert.Equal(data[100..], Read(pool, "c", 877, data.Length - 100));
    }

    public static IEnumerable<object[]> DeletionOrders()
    {
        string[] items = { "volume", "old", "new", "clone" };
        IEnumerable<string[]> Permute(string[] rest) => rest.Length <= 1 ? new[] { rest }
            : rest.SelectMany(x => Permute(rest.Where(y => y != x).ToArray()).Select(p => p.Prepend(x).ToArray()));
        return Permute(items).Select(p => new object[] { string.Join(",", p) });
    }

    [Theory]
    [MemberData(nameof(DeletionOrders))]
    public void DeletingVolumeSnapshotsAndCloneInAnyOrderReturnsAllSpace(string order)
    {
        var storage = new SimulatedStorage();
        using var pool = NewPool(storage);
        pool.CreateVolume("v", 1 << 20);
        Write(pool, "v", 0, Pattern(200_000, 10));
        pool.CreateSnapshot("v", "old");
        Write(pool, "v", 100_000, Pattern(200_000, 11));
        pool.CreateSnapshot("v", "new");
        pool.Clone("v", "new", "c");
        Write(pool, "v", 50_000, Pattern(50_000, 12));
        Write(pool, "c", 400_000, Pattern(50_000, 13));
        pool.Flush();
        var full = pool.GetStatus();
        Assert.True(full.AllocatedBytes > 0 && full.DataFileBytesOnDisk > 0);
        foreach (var item in order.Split(','))
        {
            long allocatedBefore = pool.GetStatus().AllocatedBytes;
            switch (item)
            {
                case "volume": if (pool.VolumeExists("v")) pool.DeleteVolume("v", recursive: true); break;
                case "old": if (pool.VolumeExists("v")) pool.DeleteSnapshot("v", "old"); break;
                case "new": if (pool.VolumeExists("v")) pool.DeleteSnapshot("v", "new"); break;
                case "clone": pool.DeleteVolume("c"); break;
            }
            pool.ReclaimNow();
            Assert.True(pool.GetStatus().AllocatedBytes <= allocatedBefore, $"{order}: deleting {item} grew allocation");
            ModelChecks.ScrubIsClean(pool, $"{order} after deleting {item}");
        }
        var empty = pool.GetStatus();
        Assert.Equal(0, empty.AllocatedBytes);
        Assert.Equal(0, empty.PendingFreeBytes);
        Assert.Equal(0, empty.DataFileBytesOnDisk);
        Assert.Equal(0, storage.FileLength("data.000"));
    }

    [Fact]
    public void DeletingGivesDataBlocksBackToTheRealFilesystem()
    {
        using var dir = new TempDirectory();
        using var pool = Pool.Open(dir.Path, new PoolOptions { BackgroundWork = false });
        pool.CreateVolume("v", 64 << 20);
        pool.CreateVolume("keep", 1 << 20);
        Write(pool, "v", 0, Pattern(16 << 20, 14));
        Write(pool, "keep", 0, Pattern(65536, 15));
        pool.CreateSnapshot("v", "s");
        Write(pool, "v", 0, Pattern(8 << 20, 16));
        pool.Flush();
        string dataFile = Path.Combine(dir.Path, "data.000");
        long blocksBefore = AllocatedOnDisk(dataFile);
        var before = pool.GetStatus();
        Assert.True(blocksBefore >= 24 << 20, $"data file holds only {blocksBefore} bytes");
        pool.DeleteSnapshot("v", "s");
        pool.ReclaimNow();
        var middle = pool.GetStatus();
        Assert.True(middle.AllocatedBytes <= before.AllocatedBytes - (8 << 20), $"{before.AllocatedBytes} -> {middle.AllocatedBytes}");
        Assert.True(AllocatedOnDisk(dataFile) <= blocksBefore - (8 << 20), "freed snapshot clusters still occupy the filesystem");
        pool.DeleteVolume("v");
        pool.ReclaimNow();
        var after = pool.GetStatus();
        Assert.Equal(65536, after.AllocatedBytes);
        Assert.True(after.DataFileBytesOnDisk < before.DataFileBytesOnDisk);
        Assert.True(AllocatedOnDisk(dataFile) <= 1 << 20, $"after deleting everything but 64 KiB the data file still holds {AllocatedOnDisk(dataFile)} bytes");
        Assert.Equal(Pattern(65536, 15), Read(pool, "keep", 0, 65536));
    }

    /// <summary>Bytes the filesystem really holds for a file (st_blocks × 512), from stat(1).</summary>
    private static long AllocatedOnDisk(string path)
    {
        var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", $"-c %b \"{path}\"") { RedirectStandardOutput = true })!;
        string text = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return long.Parse(text.Trim()) * 512;
    }

    [Fact]
    public void DiffOnATebibyteVolumeListsExactlyTheChangedClustersWithoutWalkingTheVolume()
    {
        using var pool = NewPool();
        const long size = 1L << 40;
        pool.CreateVolume("big", size);
        var rng = new Random(17);
        var cluster = Pattern(Cluster, 18);
        var written = new SortedSet<long>();
        using (var h = pool.Open("big"))
        {
            while (written.Count < 10_000)
            {
                long c = rng.NextInt64(size / Cluster);
                if (written.Add(c)) h.Write(c * Cluster, cluster);
            }
        }
        pool.CreateSnapshot("big", "s");
        long mapBytes = pool.MapMemoryBytes();
        var changed = new[] { written.Min, written.ElementAt(5000), size / Cluster - 1 };
        using (var h = pool.Open("big"))
        {
            h.Write(changed[0] * Cluster + 10, new byte[] { 1, 2, 3 });
            h.Write(changed[1] * Cluster, Pattern(Cluster, 19));
            h.Write(size - 1, new byte[] { 42 });
        }
        var diff = pool.Diff("big", "s", null);
        Assert.Equal(changed.Select(c => new ByteRange(c * Cluster, Cluster)), diff);
        // Diff only descends where the two maps differ, so its work is bounded by the map, and the map by what
        // was written: at most a leaf and an inner node per scattered cluster (about 4 KiB), where a flat map
        // of the volume would hold 268 million entries (2 GiB).
        Assert.True(mapBytes < 10_000L * 4096, $"map of 10,000 written clusters takes {mapBytes} bytes");
        Assert.True(pool.MapMemoryBytes() - mapBytes < 3L * 64 * 1024, "three writes after a snapshot copied more than their paths");
        using (var h = pool.Open("big"))
            Assert.Equal(diff, h.GetChangedSince("s", 0, size));
    }

    [Fact]
    public void SnapshotCloneAndRollbackCopyNoDataAndNoMap()
    {
        using var pool = NewPool();
        pool.CreateVolume("v", 8 << 20);
        Write(pool, "v", 0, Pattern(6 << 20, 20));
        pool.Flush();
        long map = pool.MapMemoryBytes(), allocated = pool.GetStatus().AllocatedBytes;
        pool.CreateSnapshot("v", "s");
        Assert.Equal(map, pool.MapMemoryBytes());
        pool.Clone("v", "s", "c");
        Assert.Equal(map, pool.MapMemoryBytes());
        pool.Rollback("v", "s");
        Assert.Equal(map, pool.MapMemoryBytes());
        pool.Flush();
        Assert.Equal(allocated, pool.GetStatus().AllocatedBytes);
    }

    [Fact]
    public void FirstWriteToAClusterSharedWithASnapshotAllocatesExactlyOneCluster()
    {
        using var pool = NewPool();
        pool.CreateVolume("v", 1 << 20);
        Write(pool, "v", 0, Pattern(1 << 20, 21));
        pool.CreateSnapshot("v", "s");
        pool.Clone("v", "s", "c");
        long before = pool.GetStatus().AllocatedBytes;
        Write(pool, "v", 5 * Cluster + 17, new byte[] { 9 });
        Assert.Equal(before + Cluster, pool.GetStatus().AllocatedBytes);
        Write(pool, "c", 9 * Cluster, Pattern(Cluster, 22));
        Assert.Equal(before + 2 * Cluster, pool.GetStatus().AllocatedBytes);
    }

    [Fact]
    public void SixtyFourTebibyteVolumeIsCreatedAndReadAndWrittenAtItsEnd()
    {
        using var pool = NewPool(clusterSize: 64 * 1024);
        const long size = 64L << 40;
        pool.CreateVolume("huge", size);
        var data = Pattern(100_000, 23);
        using var h = pool.Open("huge");
        Assert.Equal(size, h.Size);
        h.Write(size - data.Length, data);
        var back = new byte[data.Length];
        h.Read(size - data.Length, back);
        Assert.Equal(data, back);
        Assert.True(IsZero(Read(pool, "huge", size / 2, 4096)));
        Assert.Equal(ErrorKind.OutOfRange, Assert.Throws<RewindException>(() => h.Write(size - 1, new byte[2])).Kind);
    }

    [Fact]
    public void UnalignedWritesAndReadsRoundTripAcrossClusterBoundaries()
    {
        using var pool = NewPool();
        pool.CreateVolume("v", 1 << 20);
        var model = new byte[1 << 20];
        var rng = new Random(24);
        using var h = pool.Open("v");
        foreach (var (offset, length) in new (long, int)[] { (1, 1), (4095, 2), (4097, 8190), (12_287, 4098), (1_048_575, 1), (511, 3 * Cluster + 3) })
        {
            var data = Pattern(length, (int)offset);
            h.Write(offset, data);
            data.CopyTo(model, offset);
            long readAt = Math.Max(0, offset - rng.Next(5000));
            var back = new byte[(int)Math.Min(model.Length - readAt, length + 9000)];
            h.Read(readAt, back);
            Assert.Equal(model.AsSpan((int)readAt, back.Length).ToArray(), back);
        }
    }

    [Fact]
    public void OutOfRangeRequestsFailAndZeroLengthRequestsDoNothing()
    {
        using var pool = NewPool();
        pool.CreateVolume("v", 1 << 20);
        using var h = pool.Open("v");
        void OutOfRange(Action a) => Assert.Equal(ErrorKind.OutOfRange, Assert.Throws<RewindException>(a).Kind);
        OutOfRange(() => h.Read(1 << 20, new byte[1]));
        OutOfRange(() => h.Read(-1, new byte[1]));
        OutOfRange(() => h.Write((1 << 20) - 10, new byte[11]));
        OutOfRange(() => h.Write(long.MaxValue - 5, new byte[10]));
        OutOfRange(() => h.Trim(0, (1 << 20) + 1));
        OutOfRange(() => h.WriteZeroes(-4096, 4096));
        OutOfRange(() => h.Trim(10, long.MaxValue));
        OutOfRange(() => h.Read(2 << 20, Span<byte>.Empty));
        long allocated = pool.GetStatus().AllocatedBytes;
        h.Write(1 << 20, ReadOnlySpan<byte>.Empty);
        h.Write(0, ReadOnlySpan<byte>.Empty);
        h.Read(1 << 20, Span<byte>.Empty);
        h.Trim(5000, 0);
        h.WriteZeroes(1 << 20, 0);
        Assert.Equal(allocated, pool.GetStatus().AllocatedBytes);
        Assert.True(IsZero(PoolImage.ReadAll(pool, "v")));
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<RewindException>(() => pool.CreateVolume("w", 1000)).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<RewindException>(() => pool.CreateVolume("w", 0)).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<RewindException>(() => pool.CreateVolume("w", 1L << 62)).Kind);
    }

    [Fact]
    public void WritesThroughASnapshotHandleAreReadOnly()
    {
        using var pool = NewPool();
        pool.CreateVolume("v", 1 << 20);
        Write(pool, "v", 0, Pattern(5000, 25));
        pool.CreateSnapshot("v", "s");
        using var h = pool.Open("v@s");
        Assert.True(h.IsReadOnly);
        Assert.Equal(ErrorKind.ReadOnly, Assert.Throws<RewindException>(() => h.Write(0, new byte[10])).Kind);
        Assert.Equal(ErrorKind.ReadOnly, Assert.Throws<RewindException>(() => h.Trim(0, 4096)).Kind);
        Assert.Equal(ErrorKind.ReadOnly, Assert.Throws<RewindException>(() => h.WriteZeroes(0, 10)).Kind);
        Assert.Equal(Pattern(5000, 25), Read(pool, "v@s", 0, 5000));
    }

    [Fact]
    public void RollbackWithAnOpenHandleIsBusyAndForceMakesThatHandleStale()
    {
        using var pool = NewPool();
        pool.CreateVolume("v", 1 << 20);
        pool.CreateSnapshot("v", "empty");
        using var h = pool.Open("v");
        h.Write(0, Pattern(100, 26));
        var busy = Assert.Throws<RewindException>(() => pool.Rollback("v", "empty"));
        Assert.Equal(ErrorKind.Busy, busy.Kind);
        Assert.Equal(Pattern(100, 26), Read(pool, "v", 0, 100));
        pool.Rollback("v", "empty", force: true);
        Assert.False(h.IsValid);
        Assert.Equal(ErrorKind.Stale, Assert.Throws<RewindException>(() => h.Read(0, new byte[10])).Kind);
        Assert.Equal(ErrorKind.Stale, Assert.Throws<RewindException>(() => h.Write(0, new byte[10])).Kind);
        Assert.True(IsZero(Read(pool, "v", 0, 100)));
    }

    [Fact]
    public void SecondOpenOfAPoolDirectoryIsBusyAndNamesTheHolder()
    {
        using var dir = new TempDirectory();
        using var first = Pool.Open(dir.Path, new PoolOptions { HolderDescription = "the first opener" });
        var e = Assert.Throws<RewindException>(() => Pool.Open(dir.Path));
        Assert.Equal(ErrorKind.Busy, e.Kind);
        Assert.Contains("the first opener", e.Message);
        Assert.Contains($"pid {Environment.ProcessId}", e.Message);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData("a@b")]
    [InlineData("")]
    [InlineData(".hidden")]
    [InlineData("-flag")]
    public void NamesWithPathTricksOrSeparatorsAreRejected(string name)
    {
        using var pool = NewPool();
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<RewindException>(() => pool.CreateVolume(name, 4096)).Kind);
        pool.CreateVolume("v", 4096);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<RewindException>(() => pool.CreateSnapshot("v", name)).Kind);
        pool.CreateSnapshot("v", "s");
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<RewindException>(() => pool.Clone("v", "s", name)).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<RewindException>(() => pool.RenameVolume("v", name)).Kind);
        Assert.Equal(new[] { "v" }, pool.ListVolumes().Select(v => v.Name));
    }
}
