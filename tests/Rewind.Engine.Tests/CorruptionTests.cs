using Rewind.Engine.Storage;
using Rewind.Engine.Tests.Support;

namespace Rewind.Engine.Tests;

/// <summary>
/// Bits that rot on disk: a damaged data cluster is an error naming the volume and offset (never wrong
/// data), a damaged checkpoint falls back to the other one, and a damaged journal block with intact
/// blocks after it refuses to open rather than silently drop acknowledged work.
/// </summary>
public class CorruptionTests
{
    private static PoolOptions Options(IStorage storage) => new() { Storage = storage, BackgroundWork = false, ClusterSize = 4096 };

    /// <summary>Where a byte pattern lies in a storage file (data clusters are stored as written).</summary>
    private static long Find(SimulatedStorage storage, string name, byte[] pattern)
    {
        using var file = storage.Open(name, create: false);
        var bytes = new byte[file.Length];
        file.Read(0, bytes);
        int at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at >= 0, $"pattern not found in {name}");
        return at;
    }

    [Fact]
    public void FlippedDataBitFailsReadsOfThatClusterNamingVolumeAndOffsetAndScrubReportsIt()
    {
        var storage = new SimulatedStorage();
        using var pool = Pool.Open("/sim", Options(storage));
        pool.CreateVolume("v", 1 << 20);
        var damaged = SimulatedCrashTests.Pattern(4096, 1);
        var healthy = SimulatedCrashTests.Pattern(4096 * 2, 2);
        using (var h = pool.Open("v"))
        {
            h.Write(8192, damaged);
            h.Write(40960, healthy);
            h.Flush();
        }
        pool.CreateSnapshot("v", "s");
        storage.FlipBit("data.000", Find(storage, "data.000", damaged) + 100, bit: 3);

        using (var h = pool.Open("v"))
        {
            var e = Assert.Throws<ChecksumException>(() => h.Read(8192 + 50, new byte[100]));
            Assert.Equal(ErrorKind.Checksum, e.Kind);
            Assert.Equal("volume v", e.Target);
            Assert.Equal(8192, e.Offset);
            Assert.Contains("volume v", e.Message);
            Assert.Contains("offset 8192", e.Message);
            var back = new byte[healthy.Length];
            h.Read(40960, back);
            Assert.Equal(healthy, back);
            var before = new byte[8192];
            h.Read(0, before);
            Assert.True(before.AsSpan().IndexOfAnyExcept((byte)0) < 0);
        }
        using (var s = pool.Open("v@s"))
        {
            var e = Assert.Throws<ChecksumException>(() => s.Read(8192, new byte[4096]));
            Assert.Equal("snapshot v@s", e.Target);
            Assert.Contains("snapshot v@s", e.Message);
        }
        var report = pool.Scrub();
        Assert.False(report.Clean);
        Assert.Contains(report.Problems, p => p.Kind == "checksum" && p.Where == "volume v offset 8192");
        Assert.Contains(report.Problems, p => p.Kind == "checksum" && p.Where == "snapshot v@s offset 8192");
        Assert.DoesNotContain(report.Problems, p => p.Where.Contains("offset 40960"));
    }

    [Fact]
    public void DamagedCurrentCheckpointOpensFromTheOtherCheckpointAndJournalsWithAllData()
    {
        var storage = new SimulatedStorage();
        var data = SimulatedCrashTests.Pattern(50_000, 3);
        var later = SimulatedCrashTests.Pattern(7_000, 4);
        using (var pool = Pool.Open("/sim", Options(storage)))
        {
            pool.CreateVolume("v", 1 << 20);
            using (var h = pool.Open("v")) { h.Write(1234, data); h.Flush(); }
            pool.CreateSnapshot("v", "s");
        }
        using (var pool = Pool.Open("/sim", Options(storage)))
        {
            using var h = pool.Open("v");
            h.Write(1234, later);
            h.Flush();
        }
        string current = CurrentCheckpoint(storage);
        storage.FlipBit(current, storage.FileLength(current) / 2, bit: 5);

        using (var pool = Pool.Open("/sim", Options(storage)))
        {
            Assert.Contains(pool.RecoveryNotes, n => n.Contains(current) && n.Contains("damaged"));
            var expected = (byte[])data.Clone();
            later.CopyTo(expected, 0);
            Assert.Equal(expected, PoolImage.ReadAll(pool, "v").AsSpan(1234, data.Length).ToArray());
            Assert.Equal(data, PoolImage.ReadAll(pool, "v@s").AsSpan(1234, data.Length).ToArray());
            ModelChecks.ScrubIsClean(pool, "after falling back to the older checkpoint");
        }
    }

    private static string CurrentCheckpoint(SimulatedStorage storage)
    {
        long Generation(string name)
        {
            using var f = storage.Open(name, create: false);
            var header = new byte[Checkpoint.HeaderSize];
            f.Read(0, header);
            return Checkpoint.ReadHeader(header)?.Generation ?? -1;
        }
        return Generation("checkpoint.0") > Generation("checkpoint.1") ? "checkpoint.0" : "checkpoint.1";
    }

    [Fact]
    public void DamagedJournalBlockFollowedByIntactBlocksRefusesToOpenNamingTheJournal()
    {
        var storage = new SimulatedStorage();
        const string journal = "journal.00000001";
        var pool = Pool.Open("/sim", Options(storage));
        pool.CreateVolume("v", 1 << 20);
        long secondBlockStart = 0, secondBlockEnd = 0;
        using (var h = pool.Open("v"))
        {
            for (int i = 0; i < 4; i++)
            {
                if (i == 1) secondBlockStart = storage.FileLength(journal);
                h.Write(i * 10_000, SimulatedCrashTests.Pattern(3000, i));
                h.Flush();
                if (i == 1) secondBlockEnd = storage.FileLength(journal);
            }
        }
        var crashed = storage.Crash(new Random(1), tear: false); // kill -9: the pool never closed
        crashed.FlipBit(journal, (secondBlockStart + secondBlockEnd) / 2, bit: 1);

        var e = Assert.Throws<RewindException>(() => Pool.Open("/sim", Options(crashed)));
        Assert.Equal(ErrorKind.Checksum, e.Kind);
        Assert.Contains(journal, e.Message);
    }
}
