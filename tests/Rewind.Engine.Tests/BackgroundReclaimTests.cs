using Rewind.Engine;

namespace Rewind.Engine.Tests;

/// <summary>Space comes back to the filesystem by itself: no ReclaimNow, only the pool's background work.</summary>
public class BackgroundReclaimTests
{
    [Fact]
    public void DeletedDataIsPunchedOutOfTheDataFileInTheBackground()
    {
        var dir = Directory.CreateTempSubdirectory("rewind-reclaim-").FullName;
        try
        {
            using var pool = Pool.Open(dir, new PoolOptions());
            pool.CreateVolume("v", 64 << 20);
            var data = new byte[1 << 20];
            new Random(5).NextBytes(data);
            using (var h = pool.Open("v"))
            {
                for (int i = 0; i < 32; i++) h.Write((long)i << 20, data);
                h.Flush();
            }
            // A live volume written last holds the highest slots, so the file cannot simply be cut short:
            // the deleted volume's space can only come back by punching holes.
            pool.CreateVolume("keep", 1 << 20);
            using (var k = pool.Open("keep")) { k.Write(0, data); k.Flush(); }
            long before = pool.GetStatus().DataFileBytesOnDisk;
            Assert.True(before >= 32L << 20, $"expected at least 32 MiB on disk after writing, saw {before}");
            pool.DeleteVolume("v");
            long after = before;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                after = pool.GetStatus().DataFileBytesOnDisk;
                if (after <= 1 << 20) break;
                Thread.Sleep(100);
            }
            Assert.True(after <= 1 << 20, $"data file still holds {after} bytes 60 s after the volume was deleted (1 MiB is still in use)");
            var back = new byte[1 << 20];
            using (var k = pool.Open("keep")) k.Read(0, back);
            Assert.Equal(data, back);
            Assert.True(pool.Scrub().Clean);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
