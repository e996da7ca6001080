using Rewind.Engine.Storage;
using Rewind.Engine.Tests.Support;

namespace Rewind.Engine.Tests;

/// <summary>
/// A journal whose end was cut in the middle of a block, or followed by garbage, must open with every
/// block before the damage applied, nothing of the damaged block, and a note saying what was discarded.
/// </summary>
public class TornTailTests
{
    private const string Journal = "journal.00000001";

    /// <summary>A pool whose journal ends with two flushed writes; returns the journal length before and after the last.</summary>
    private static (SimulatedStorage Storage, byte[] First, byte[] Last, long LastBlockStart, long LastBlockEnd) TwoFlushedWrites(int seed)
    {
        var storage = new SimulatedStorage();
        var first = SimulatedCrashTests.Pattern(5000, seed);
        var last = SimulatedCrashTests.Pattern(9000, seed + 1);
        var pool = Pool.Open("/sim", new PoolOptions { Storage = storage, BackgroundWork = false, ClusterSize = 4096 });
        pool.CreateVolume("v", 1 << 20);
        using (var h = pool.Open("v"))
        {
            h.Write(3000, first);
            h.Flush();
            long before = storage.FileLength(Journal);
            h.Write(70_000, last);
            h.Flush();
            long after = storage.FileLength(Journal);
            // Everything is synced: the crash image is exact. The pool is abandoned, as by kill -9.
            return (storage.Crash(new Random(seed), tear: false), first, last, before, after);
        }
    }

    private static byte[] Read(Pool pool, long offset, int length)
    {
        var bytes = new byte[length];
        using var h = pool.Open("v");
        h.Read(offset, bytes);
        return bytes;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void JournalCutInsideItsLastBlockOpensWithEverythingBeforeThatBlock(int seed)
    {
        var (storage, first, last, start, end) = TwoFlushedWrites(seed);
        long cut = new Random(seed).NextInt64(start + 1, end);
        using (var journal = storage.Open(Journal, create: false)) journal.SetLength(cut);

        using var pool = Pool.Open("/sim", new PoolOptions { Storage = storage, BackgroundWork = false });
        Assert.Equal(first, Read(pool, 3000, first.Length));
        Assert.True(Read(pool, 70_000, last.Length).AsSpan().IndexOfAnyExcept((byte)0) < 0, $"seed {seed}: half of the torn block was applied");
        Assert.Contains(pool.RecoveryNotes, n => n.Contains($"discarded {cut - start} bytes") && n.Contains(Journal));
        ModelChecks.ScrubIsClean(pool, $"seed {seed} cut at {cut}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void GarbageAfterTheLastJournalBlockIsDiscardedAndNamed(int seed)
    {
        var (storage, first, last, _, end) = TwoFlushedWrites(seed);
        var garbage = SimulatedCrashTests.Pattern(777, seed + 100);
        using (var journal = storage.Open(Journal, create: false)) { journal.Write(end, garbage); journal.Sync(); }

        using var pool = Pool.Open("/sim", new PoolOptions { Storage = storage, BackgroundWork = false });
        Assert.Equal(first, Read(pool, 3000, first.Length));
        Assert.Equal(last, Read(pool, 70_000, last.Length));
        Assert.Contains(pool.RecoveryNotes, n => n.Contains($"discarded {garbage.Length} bytes") && n.Contains(Journal));
        ModelChecks.ScrubIsClean(pool, $"seed {seed} with garbage");
    }
}
