using Rewind.Engine;

namespace Rewind.Cli.Tests;

public class SnapshotCommandTests : IDisposable
{
    private const int Cluster = 64 * 1024;
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private void Write(string volume, long offset, byte value, int length = Cluster)
    {
        using var pool = Pool.Open(_cli.PoolDir);
        using var h = pool.Open(volume);
        h.Write(offset, Enumerable.Repeat(value, length).ToArray());
        h.Flush();
    }

    private byte ReadByte(string target, long offset)
    {
        using var pool = Pool.Open(_cli.PoolDir);
        using var h = pool.Open(target);
        var b = new byte[1];
        h.Read(offset, b);
        return b[0];
    }

    [Fact]
    public void SnapshotListAndDeleteWorkInTextAndJson()
    {
        _cli.Ok("volume", "create", "web", "--size", "1G");
        _cli.Ok("volume", "create", "db", "--size", "1G");
        var s = _cli.Json("snapshot", "web@monday");
        Assert.Equal("web", s.GetProperty("volume").GetString());
        Assert.Equal("monday", s.GetProperty("name").GetString());
        Assert.Equal(1L << 30, s.GetProperty("sizeBytes").GetInt64());
        _cli.Ok("snapshot", "db@monday");

        Assert.Equal(2, _cli.Json("snapshot", "list").GetProperty("snapshots").GetArrayLength());
        Assert.Equal(1, _cli.Json("snapshot", "list", "web").GetProperty("snapshots").GetArrayLength());
        Assert.Contains("web@monday", _cli.Ok("snapshot", "list").Stdout);

        Assert.Equal("web@monday", _cli.Json("snapshot", "delete", "web@monday").GetProperty("deleted").GetString());
        Assert.Equal(0, _cli.Json("snapshot", "list", "web").GetProperty("snapshots").GetArrayLength());
        var again = _cli.Run("snapshot", "delete", "web@monday", "--json");
        Assert.Equal(1, again.ExitCode);
        Assert.Equal("notFound", again.Json.GetProperty("error").GetProperty("kind").GetString());
    }

    [Fact]
    public void RollbackRestoresTheSnapshotsContent()
    {
        _cli.Ok("volume", "create", "web", "--size", "1M");
        Write("web", 0, 0xAA);
        _cli.Ok("snapshot", "web@good");
        Write("web", 0, 0xBB);
        Assert.Equal(0xBB, ReadByte("web", 10));
        var v = _cli.Json("rollback", "web@good");
        Assert.Equal("web", v.GetProperty("name").GetString());
        Assert.Equal(0xAA, ReadByte("web", 10));
        Assert.Equal(2, _cli.Run("rollback", "web").ExitCode);
        Assert.Equal(1, _cli.Run("rollback", "web@nothing").ExitCode);
    }

    [Fact]
    public void CloneIsAWritableCopyThatOutlivesItsOrigin()
    {
        _cli.Ok("volume", "create", "golden", "--size", "1M");
        Write("golden", Cluster, 0x11);
        _cli.Ok("snapshot", "golden@v1");
        var clone = _cli.Json("clone", "golden@v1", "host1");
        Assert.Equal("host1", clone.GetProperty("name").GetString());
        Assert.Equal("golden@v1", clone.GetProperty("origin").GetString());
        Assert.Contains("golden@v1", _cli.Ok("volume", "list").Stdout);
        _cli.Ok("volume", "delete", "golden", "--recursive");
        Assert.Equal(0x11, ReadByte("host1", Cluster + 5));
    }

    [Fact]
    public void DiffListsChangedRangesBetweenSnapshotsAndAgainstTheLiveVolume()
    {
        _cli.Ok("volume", "create", "web", "--size", "4M");
        _cli.Ok("snapshot", "web@a");
        Write("web", 2 * Cluster, 1);
        Write("web", 3 * Cluster, 1);
        _cli.Ok("snapshot", "web@b");
        Write("web", 10 * Cluster, 2);

        var ab = _cli.Json("diff", "web@a", "web@b");
        Assert.Equal("web@a", ab.GetProperty("from").GetString());
        Assert.Equal("web@b", ab.GetProperty("to").GetString());
        Assert.Equal(2 * Cluster, ab.GetProperty("changedBytes").GetInt64());
        var ranges = ab.GetProperty("ranges").EnumerateArray().Select(r => (r.GetProperty("offset").GetInt64(), r.GetProperty("length").GetInt64())).ToList();
        Assert.Equal(2 * Cluster, ranges.Sum(r => r.Item2));
        Assert.All(ranges, r => Assert.InRange(r.Item1, 2 * Cluster, 4 * Cluster - r.Item2));

        var live = _cli.Json("diff", "web@b");
        Assert.Equal("web", live.GetProperty("to").GetString());
        Assert.Equal(Cluster, live.GetProperty("changedBytes").GetInt64());
        Assert.Equal(10L * Cluster, live.GetProperty("ranges")[0].GetProperty("offset").GetInt64());
        Assert.Equal(Cluster, _cli.Json("diff", "web@b", "web").GetProperty("changedBytes").GetInt64());

        var text = _cli.Ok("diff", "web@a", "web@b").Stdout;
        Assert.Contains("OFFSET", text);
        Assert.Contains("128K changed", text);
    }

    [Fact]
    public void StatusReportsSpaceAndCounts()
    {
        _cli.Ok("volume", "create", "web", "--size", "1M");
        Write("web", 0, 7);
        _cli.Ok("snapshot", "web@s");
        var pools = _cli.Json("status").GetProperty("pools");
        Assert.Equal(1, pools.GetArrayLength());
        Assert.Equal("default", pools[0].GetProperty("name").GetString());
        Assert.True(pools[0].GetProperty("isDefault").GetBoolean());
        var s = pools[0].GetProperty("status");
        Assert.Equal(1, s.GetProperty("volumeCount").GetInt32());
        Assert.Equal(1, s.GetProperty("snapshotCount").GetInt32());
        Assert.Equal(Cluster, s.GetProperty("allocatedBytes").GetInt64());
        Assert.Equal(Cluster, s.GetProperty("clusterSize").GetInt32());
        Assert.True(s.GetProperty("metadataBytes").GetInt64() > 0);
        Assert.True(s.GetProperty("filesystemFreeBytes").GetInt64() > 0);
        Assert.True(s.TryGetProperty("pendingFreeBytes", out _));
        Assert.True(s.TryGetProperty("mapMemoryBytes", out _));
        Assert.True(s.TryGetProperty("dataFileBytesOnDisk", out _));
        var text = _cli.Ok("status").Stdout;
        Assert.Contains("allocated:       64K", text);
        Assert.Contains("pending reclaim:", text);
    }

    [Fact]
    public void ScrubOfAHealthyPoolIsClean()
    {
        _cli.Ok("volume", "create", "web", "--size", "1M");
        Write("web", 0, 7);
        var r = _cli.Json("scrub");
        Assert.True(r.GetProperty("clean").GetBoolean());
        Assert.Equal(0, r.GetProperty("problems").GetArrayLength());
        Assert.True(r.GetProperty("clustersChecked").GetInt64() >= 1);
        Assert.EndsWith("clean", _cli.Ok("scrub").Stdout.Trim());
    }

    [Fact]
    public void ScrubOfADamagedPoolPrintsEachProblemAndExitsWithOne()
    {
        _cli.Ok("volume", "create", "web", "--size", "1M");
        Write("web", 0, 7);
        // Flip bytes in the middle of the first data cluster on disk: its checksum no longer matches.
        var dataFile = Directory.EnumerateFiles(_cli.PoolDir, "data.*").Single();
        using (var f = new FileStream(dataFile, FileMode.Open, FileAccess.ReadWrite))
        {
            Assert.True(f.Length > 0);
            var buffer = new byte[f.Length];
            f.ReadExactly(buffer);
            int at = Array.FindIndex(buffer, b => b == 7);
            Assert.True(at >= 0, "the written data is in the data file");
            f.Position = at + 100;
            f.Write([0x55, 0x66]);
        }
        var r = _cli.Run("scrub");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Contains("problem:", r.Stdout);
        var j = _cli.Run("scrub", "--json");
        Assert.Equal(1, j.ExitCode);
        Assert.False(j.Json.GetProperty("clean").GetBoolean());
        Assert.True(j.Json.GetProperty("problems").GetArrayLength() >= 1);
    }
}
