using Rewind.Engine;
using Rewind.Engine.Storage;

namespace Rewind.Engine.Tests;

public class SmokeTests
{
    [Fact]
    public void WriteSnapshotRollbackCloneAndReopenKeepContent()
    {
        var storage = new SimulatedStorage();
        var opts = new PoolOptions { Storage = storage, BackgroundWork = false, ClusterSize = 4096 };
        var data = new byte[10000];
        new Random(1).NextBytes(data);
        using (var pool = Pool.Open("/sim", opts))
        {
            pool.CreateVolume("v", 1 << 20);
            using (var h = pool.Open("v")) { h.Write(1000, data); h.Flush(); }
            pool.CreateSnapshot("v", "s1");
            using (var h = pool.Open("v")) { h.Write(1000, new byte[5000]); }
            var back = new byte[10000];
            using (var h = pool.Open("v@s1")) h.Read(1000, back);
            Assert.Equal(data, back);
            pool.Rollback("v", "s1");
            using (var h = pool.Open("v")) { h.Read(1000, back); }
            Assert.Equal(data, back);
            pool.Clone("v", "s1", "c");
            pool.DeleteVolume("v", recursive: true);
            using (var h = pool.Open("c")) { h.Read(1000, back); }
            Assert.Equal(data, back);
            Assert.True(pool.Scrub().Clean, string.Join("\n", pool.Scrub().Problems));
        }
        using (var pool = Pool.Open("/sim", opts))
        {
            var back = new byte[10000];
            using (var h = pool.Open("c")) h.Read(1000, back);
            Assert.Equal(data, back);
            Assert.True(pool.Scrub().Clean, string.Join("\n", pool.Scrub().Problems));
        }
    }

    [Fact]
    public void RealFilesystemPoolRoundTrips()
    {
        var dir = Path.Combine(Path.GetTempPath(), "rewind-smoke-" + Guid.NewGuid());
        try
        {
            var data = new byte[200000];
            new Random(2).NextBytes(data);
            using (var pool = Pool.Open(dir))
            {
                pool.CreateVolume("v", 1 << 30);
                using var h = pool.Open("v");
                h.Write(12345, data);
                h.Flush();
            }
            using (var pool = Pool.Open(dir))
            {
                var back = new byte[200000];
                using var h = pool.Open("v");
                h.Read(12345, back);
                Assert.Equal(data, back);
                Assert.Throws<RewindException>(() => Pool.Open(dir));
            }
        }
        finally { Directory.Delete(dir, true); }
    }
}
