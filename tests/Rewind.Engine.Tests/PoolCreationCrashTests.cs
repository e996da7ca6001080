using Rewind.Engine.Storage;
using Rewind.Engine.Tests.Support;

namespace Rewind.Engine.Tests;

/// <summary>A crash while a pool is first being created must leave a directory that opens as a new, empty pool.</summary>
public class PoolCreationCrashTests
{
    [Fact]
    public void PowerCutAtAnyStorageCallOfPoolCreationLeavesAPoolThatOpens()
    {
        for (int call = 1; call <= 12; call++)
        {
            var storage = new CrashingStorage(new SimulatedStorage(), call, new Random(call));
            try { Pool.Open("/sim", new PoolOptions { Storage = storage, BackgroundWork = false, ClusterSize = 4096 }).Dispose(); }
            catch (CrashingStorage.PowerCut) { }
            var after = storage.CrashNow();
            using var pool = Pool.Open("/sim", new PoolOptions { Storage = after, BackgroundWork = false, ClusterSize = 4096 });
            Assert.Empty(pool.ListVolumes());
            pool.CreateVolume("v", 1 << 20);
            ModelChecks.ScrubIsClean(pool, $"power cut at creation call {call}");
        }
    }

    [Fact]
    public void DirectoryHoldingOnlyTheLockAndAnEmptyFirstJournalOpensAsANewPool()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(Path.Combine(dir.Path, "lock"), "");
        File.WriteAllText(Path.Combine(dir.Path, "lock.owner"), "pid 1 (killed) since 2026-01-01T00:00:00Z\n");
        File.WriteAllBytes(Path.Combine(dir.Path, "journal.00000001"), Array.Empty<byte>());
        using var pool = Pool.Open(dir.Path);
        pool.CreateVolume("v", 1 << 20);
        Assert.Single(pool.ListVolumes());
    }

    [Fact]
    public void DirectoryWithForeignFilesIsStillRefused()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(Path.Combine(dir.Path, "lock"), "");
        File.WriteAllText(Path.Combine(dir.Path, "notes.txt"), "mine");
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<RewindException>(() => Pool.Open(dir.Path)).Kind);
    }
}
