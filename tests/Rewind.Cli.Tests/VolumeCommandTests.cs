namespace Rewind.Cli.Tests;

public class VolumeCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void CreateReturnsTheVolumeAsJsonWithSizesInBytes()
    {
        var v = _cli.Json("volume", "create", "web", "--size", "20G");
        Assert.Equal("web", v.GetProperty("name").GetString());
        Assert.Equal(20L << 30, v.GetProperty("sizeBytes").GetInt64());
        Assert.Equal(0, v.GetProperty("snapshotCount").GetInt32());
        Assert.Equal(0, v.GetProperty("referencedBytes").GetInt64());
    }

    [Fact]
    public void ListShowsEveryVolumeInATableAndInJson()
    {
        _cli.Ok("volume", "create", "b", "--size", "512M");
        _cli.Ok("volume", "create", "a", "--size", "1.5G");
        var text = _cli.Ok("volume", "list").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("NAME", text[0]);
        Assert.Contains("SIZE", text[0]);
        Assert.Contains("REFERENCED", text[0]);
        Assert.Matches(@"^a\s+1\.5G\s", text[1]);
        Assert.Matches(@"^b\s+512M\s", text[2]);
        // Columns line up: SIZE ends at the same place on every line.
        int sizeEnd = text[0].IndexOf("SIZE") + 4;
        Assert.All(text.Skip(1), line => Assert.NotEqual(' ', line[sizeEnd - 1]));

        var volumes = _cli.Json("volume", "list").GetProperty("volumes").EnumerateArray().ToList();
        Assert.Equal(["a", "b"], volumes.Select(v => v.GetProperty("name").GetString()));
        Assert.Equal(3L << 29, volumes[0].GetProperty("sizeBytes").GetInt64());
    }

    [Fact]
    public void InfoIncludesTheVolumesSnapshots()
    {
        _cli.Ok("volume", "create", "web", "--size", "1G");
        _cli.Ok("snapshot", "web@s1");
        var info = _cli.Json("volume", "info", "web");
        Assert.Equal(1, info.GetProperty("snapshotCount").GetInt32());
        Assert.Equal("web@s1", info.GetProperty("snapshots")[0].GetProperty("fullName").GetString());
        Assert.Contains("web@s1", _cli.Ok("volume", "info", "web").Stdout);
    }

    [Fact]
    public void ResizeTakesAbsoluteAndRelativeSizes()
    {
        _cli.Ok("volume", "create", "web", "--size", "1G");
        Assert.Equal(2L << 30, _cli.Json("volume", "resize", "web", "--size", "2G").GetProperty("sizeBytes").GetInt64());
        Assert.Equal(7L << 30, _cli.Json("volume", "resize", "web", "--size", "+5G").GetProperty("sizeBytes").GetInt64());
        Assert.Equal(6L << 30, _cli.Json("volume", "resize", "web", "--size", "-1G").GetProperty("sizeBytes").GetInt64());
        Assert.Equal(6L << 30, _cli.Json("volume", "info", "web").GetProperty("sizeBytes").GetInt64());
    }

    [Fact]
    public void RenameMovesTheVolumeAndItsSnapshots()
    {
        _cli.Ok("volume", "create", "web", "--size", "1G");
        _cli.Ok("snapshot", "web@s1");
        Assert.Equal("web2", _cli.Json("volume", "rename", "web", "web2").GetProperty("name").GetString());
        Assert.Equal(1, _cli.Run("volume", "info", "web").ExitCode);
        Assert.Equal("web2@s1", _cli.Json("snapshot", "list", "web2").GetProperty("snapshots")[0].GetProperty("fullName").GetString());
    }

    [Fact]
    public void DeleteOfAVolumeWithSnapshotsNeedsRecursive()
    {
        _cli.Ok("volume", "create", "web", "--size", "1G");
        _cli.Ok("snapshot", "web@s1");
        var refused = _cli.Run("volume", "delete", "web");
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("rewind: ", refused.Stderr);
        var deleted = _cli.Json("volume", "delete", "web", "--recursive");
        Assert.Equal("web", deleted.GetProperty("deleted").GetString());
        Assert.Equal(1, deleted.GetProperty("snapshotsDeleted").GetInt32());
        Assert.Empty(_cli.Json("volume", "list").GetProperty("volumes").EnumerateArray());
    }

    [Fact]
    public void ASizeThatIsNotAMultipleOf512FailsWithTheEnginesMessage()
    {
        var r = _cli.Run("volume", "create", "odd", "--size", "1000");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("multiple of 512", r.Stderr);
    }
}
