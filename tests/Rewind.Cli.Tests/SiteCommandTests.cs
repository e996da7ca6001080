using System.Text.Json;

namespace Rewind.Cli.Tests;

/// <summary>Several pools in one site, and consistency groups across them, through the CLI without a daemon.</summary>
public class SiteCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private string FastDir => _cli.PathOf("fast");

    public void Dispose() => _cli.Dispose();

    private static List<string?> Names(JsonElement array, string property = "name") =>
        array.EnumerateArray().Select(e => e.GetProperty(property).GetString()).ToList();

    /// <summary>A volume "web" in the default pool and "fast/db" in pool fast, each with its own byte at offset 0.</summary>
    private void TwoPoolsWithAVolumeEach()
    {
        _cli.Ok("pool", "add", "fast", FastDir);
        _cli.Ok("volume", "create", "web", "--size", "1M");
        _cli.Ok("volume", "create", "fast/db", "--size", "1M");
        PoolBytes.Fill(_cli.PoolDir, "web", 0, 0x11);
        PoolBytes.Fill(FastDir, "db", 0, 0x22);
    }

    [Fact]
    public void AnAddedPoolsVolumesAreAddressedAsPoolSlashName()
    {
        var added = _cli.Json("pool", "add", "fast", FastDir);
        Assert.Equal("fast", added.GetProperty("name").GetString());
        Assert.Equal(FastDir, added.GetProperty("directory").GetString());

        var pools = _cli.Json("pool", "list").GetProperty("pools");
        Assert.Equal(["default", "fast"], Names(pools));
        Assert.True(pools[0].GetProperty("isDefault").GetBoolean());
        Assert.Matches($@"\nfast\s+{System.Text.RegularExpressions.Regex.Escape(FastDir)}\s+open\n", _cli.Ok("pool", "list").Stdout);

        Assert.Equal("fast/db", _cli.Json("volume", "create", "fast/db", "--size", "1M").GetProperty("name").GetString());
        _cli.Ok("volume", "create", "web", "--size", "1M");
        Assert.Equal(["fast/db", "web"], Names(_cli.Json("volume", "list").GetProperty("volumes")).Order());
        Assert.Equal("fast/db@s1", _cli.Json("snapshot", "fast/db@s1").GetProperty("fullName").GetString());
        var clone = _cli.Json("clone", "fast/db@s1", "db2"); // a clone stays in its snapshot's pool
        Assert.Equal("fast/db2", clone.GetProperty("name").GetString());
        Assert.Equal("fast/db@s1", clone.GetProperty("origin").GetString());

        // The volume lives in the fast pool's directory, not in the default one.
        PoolBytes.Fill(FastDir, "db", 0, 0x5A);
        Assert.Equal(0x5A, PoolBytes.ReadByte(FastDir, "db", 0));

        var status = _cli.Json("status").GetProperty("pools");
        Assert.Equal(["default", "fast"], Names(status));
        Assert.Equal(2, status[1].GetProperty("status").GetProperty("volumeCount").GetInt32());
        Assert.Contains("pool:            fast", _cli.Ok("status").Stdout);
        Assert.Single(_cli.Json("status", "fast").GetProperty("pools").EnumerateArray());

        var scrub = _cli.Json("scrub", "fast");
        Assert.True(scrub.GetProperty("clean").GetBoolean());
        Assert.Equal(["fast"], Names(scrub.GetProperty("pools"), "pool"));
        Assert.Equal(2, _cli.Json("scrub").GetProperty("pools").GetArrayLength());

        Assert.Contains($"its data stays in {FastDir}", _cli.Ok("pool", "remove", "fast").Stdout);
        Assert.Equal(["web"], Names(_cli.Json("volume", "list").GetProperty("volumes")));
        _cli.Ok("pool", "add", "fast", FastDir); // the data was only forgotten, not deleted
        Assert.Contains("fast/db2", Names(_cli.Json("volume", "list").GetProperty("volumes")));
    }

    [Fact]
    public void AGroupAcrossTwoPoolsIsSnapshottedRolledBackAndClonedAsOne()
    {
        TwoPoolsWithAVolumeEach();
        var group = _cli.Json("group", "create", "stack", "web", "fast/db");
        Assert.Equal(["web", "fast/db"], group.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.Contains("stack", _cli.Ok("group", "list").Stdout);

        var snap = _cli.Json("snapshot", "stack@one", "--reason", "before the migration");
        Assert.Equal("stack", snap.GetProperty("target").GetString());
        Assert.Equal(["web@one", "fast/db@one"], Names(snap.GetProperty("members"), "fullName"));
        Assert.False(snap.GetProperty("applicationConsistent").GetBoolean());
        Assert.True(snap.GetProperty("pauseMs").GetDouble() >= 0);
        Assert.All(snap.GetProperty("members").EnumerateArray(), m =>
        {
            Assert.Equal("stack", m.GetProperty("group").GetString());
            Assert.Equal("before the migration", m.GetProperty("reason").GetString());
            Assert.Equal(Environment.UserName, m.GetProperty("createdBy").GetString());
        });
        var text = _cli.Ok("snapshot", "stack@two").Stdout;
        Assert.Contains("created group snapshot stack@two: 2 member(s), crash-consistent, writers paused", text);
        Assert.Contains("  fast/db@two", text);

        // Listing a group: one line per group snapshot; a member lists its copy with the group named.
        var listed = _cli.Json("snapshot", "list", "stack");
        Assert.Equal(["one", "two"], Names(listed.GetProperty("snapshots")));
        Assert.Equal(2, listed.GetProperty("snapshots")[0].GetProperty("members").GetArrayLength());
        Assert.Equal("before the migration", listed.GetProperty("snapshots")[0].GetProperty("reason").GetString());
        var groupTable = _cli.Ok("snapshot", "list", "stack").Stdout;
        Assert.Matches(@"stack@one\s.*crash\s.*before the migration", groupTable);
        var memberTable = _cli.Ok("snapshot", "list", "fast/db").Stdout.Split('\n');
        Assert.Matches(@"^NAME\s+CREATED\s+BY\s+CONSISTENCY\s+GROUP\s+HOLDS\s+REFERENCED\s+UNIQUE\s+REASON", memberTable[0]);
        Assert.Matches($@"^fast/db@one\s.*\s{Environment.UserName}\s+crash\s+stack\s+-\s.*before the migration", memberTable[1]);

        // Rollback: every member returns to the cut together.
        PoolBytes.Fill(_cli.PoolDir, "web", 0, 0x99);
        PoolBytes.Fill(FastDir, "db", 0, 0x98);
        var rolled = _cli.Json("rollback", "stack@one");
        Assert.Equal(["web", "fast/db"], Names(rolled.GetProperty("volumes")));
        Assert.Equal(0x11, PoolBytes.ReadByte(_cli.PoolDir, "web", 0));
        Assert.Equal(0x22, PoolBytes.ReadByte(FastDir, "db", 0));

        // Clone with a prefix: each member in its own pool, and a new group of the clones.
        var clone = _cli.Json("clone", "stack@one", "test-");
        Assert.Equal("test-stack", clone.GetProperty("name").GetString());
        Assert.Equal(["test-web", "fast/test-db"], clone.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(0x11, PoolBytes.ReadByte(_cli.PoolDir, "test-web", 0));
        Assert.Equal(0x22, PoolBytes.ReadByte(FastDir, "test-db", 0));
        Assert.Equal(["stack", "test-stack"], Names(_cli.Json("group", "list").GetProperty("groups")));

        var info = _cli.Json("group", "info", "stack");
        Assert.Equal(["two", "one"], Names(info.GetProperty("snapshots"))); // newest first
        Assert.Contains("members:   web, fast/db", _cli.Ok("group", "info", "stack").Stdout);

        Assert.Contains("fast/db2", _cli.Ok("volume", "create", "fast/db2", "--size", "1M").Stdout);
        Assert.Equal(["web", "fast/db", "fast/db2"], _cli.Json("group", "add", "stack", "fast/db2").GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(["web", "fast/db"], _cli.Json("group", "remove", "stack", "fast/db2").GetProperty("members").EnumerateArray().Select(m => m.GetString()));

        // A pool with group members cannot be removed; the group goes first, its volumes stay.
        var busy = _cli.Run("pool", "remove", "fast");
        Assert.Equal(1, busy.ExitCode);
        Assert.Contains("group", busy.Stderr);
        Assert.Contains("deleted group stack; its volumes and their snapshots stay", _cli.Ok("group", "delete", "stack").Stdout);
        Assert.Equal(2, _cli.Json("snapshot", "list", "web").GetProperty("snapshots").GetArrayLength());
        Assert.Equal("stack", _cli.Json("snapshot", "list", "web").GetProperty("snapshots")[0].GetProperty("group").GetString());
    }

    [Fact]
    public void AHeldSnapshotCannotBeDeletedUntilReleased()
    {
        TwoPoolsWithAVolumeEach();
        _cli.Ok("snapshot", "web@base");
        var held = _cli.Json("hold", "web@base");
        Assert.Equal(["keep"], held.GetProperty("holds").EnumerateArray().Select(h => h.GetString()));
        Assert.Contains("holds now: keep, audit", _cli.Ok("hold", "web@base", "--tag", "audit").Stdout);
        Assert.Matches(@"web@base\s.*\skeep,audit\s", _cli.Ok("snapshot", "list", "web").Stdout);

        var refused = _cli.Run("snapshot", "delete", "web@base", "--json");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("held", refused.Json.GetProperty("error").GetProperty("message").GetString());
        _cli.Ok("release", "web@base");
        Assert.Contains("no holds left", _cli.Ok("release", "web@base", "--tag", "audit").Stdout);
        _cli.Ok("snapshot", "delete", "web@base");

        // A group snapshot: held in every member, deleted from none while held.
        _cli.Ok("group", "create", "stack", "web", "fast/db");
        _cli.Ok("snapshot", "stack@gold");
        var groupHold = _cli.Json("hold", "stack@gold", "--tag", "golden");
        Assert.Equal("stack@gold", groupHold.GetProperty("target").GetString());
        Assert.All(groupHold.GetProperty("members").EnumerateArray(), m => Assert.Equal("golden", m.GetProperty("holds")[0].GetString()));
        Assert.True(_cli.Json("snapshot", "list", "stack").GetProperty("snapshots")[0].GetProperty("held").GetBoolean());
        var groupRefused = _cli.Run("snapshot", "delete", "stack@gold");
        Assert.Equal(1, groupRefused.ExitCode);
        Assert.Contains("release it first", groupRefused.Stderr);
        Assert.Equal(2, _cli.Json("snapshot", "list").GetProperty("snapshots").GetArrayLength());
        _cli.Ok("release", "stack@gold", "--tag", "golden");
        Assert.Contains("deleted group snapshot stack@gold from 2 member(s)", _cli.Ok("snapshot", "delete", "stack@gold").Stdout);
        Assert.Equal(0, _cli.Json("snapshot", "list").GetProperty("snapshots").GetArrayLength());
    }

    [Fact]
    public void APoolThatDoesNotOpenIsReportedAndTheOthersKeepWorking()
    {
        TwoPoolsWithAVolumeEach();
        using (var holder = Engine.Pool.Open(FastDir, new Engine.PoolOptions { HolderDescription = "the test holder" }))
        {
            var status = _cli.Run("status");
            Assert.True(status.ExitCode == 1, status.ToString());
            Assert.Contains("unavailable:", status.Stdout);
            Assert.Contains("the test holder", status.Stdout);
            Assert.Contains("pool 'fast'", status.Stderr); // what opening the site had to settle
            Assert.Contains("volumes:         1", status.Stdout); // the default pool still reports

            var fast = _cli.Json("pool", "list").GetProperty("pools")[1];
            Assert.Contains("the test holder", fast.GetProperty("error").GetString());
            var db = _cli.Run("volume", "info", "fast/db");
            Assert.Equal(1, db.ExitCode);
            Assert.Contains("pool 'fast' is unavailable", db.Stderr);
            _cli.Ok("snapshot", "web@still-works");
            Assert.Equal(1, _cli.Run("scrub").ExitCode);
        }
        Assert.Equal(0, _cli.Run("status").ExitCode);
    }

    [Fact]
    public void BadTargetsFailWithClearErrors()
    {
        _cli.Ok("volume", "create", "web", "--size", "1M");

        var noPool = _cli.Run("pool", "remove", "nowhere", "--json");
        Assert.Equal(1, noPool.ExitCode);
        Assert.Equal("notFound", noPool.Json.GetProperty("error").GetProperty("kind").GetString());
        Assert.Contains("rewind pool list", noPool.Json.GetProperty("error").GetProperty("message").GetString());
        Assert.Contains("no pool 'nowhere'", _cli.Run("group", "create", "g", "nowhere/web").Stderr);
        Assert.Contains("no pool 'nowhere'", _cli.Run("status", "nowhere").Stderr);

        // Groups and the default pool's volumes share one namespace.
        var clash = _cli.Run("group", "create", "web", "web", "--json");
        Assert.Equal(1, clash.ExitCode);
        Assert.Equal("alreadyExists", clash.Json.GetProperty("error").GetProperty("kind").GetString());
        Assert.Contains("volumes and groups share names", clash.Json.GetProperty("error").GetProperty("message").GetString());
        _cli.Ok("group", "create", "stack", "web");
        var volumeClash = _cli.Run("volume", "create", "stack", "--size", "1M");
        Assert.Equal(1, volumeClash.ExitCode);
        Assert.Contains("is a group's name", volumeClash.Stderr);
        Assert.Equal(1, _cli.Run("group", "create", "stack", "web").ExitCode);

        Assert.Equal(2, _cli.Run("group", "create", "lonely").ExitCode); // a group needs a member
        Assert.Contains("missing MEMBER...", _cli.Run("group", "create", "lonely").Stderr);
        var ghost = _cli.Run("group", "info", "ghost");
        Assert.Equal(1, ghost.ExitCode);
        Assert.Contains("rewind group list", ghost.Stderr);
        Assert.Contains("no volume 'ghost2'", _cli.Run("group", "add", "stack", "ghost2").Stderr);
        Assert.Equal(1, _cli.Run("pool", "add", "again", _cli.PoolDir).ExitCode); // already the default pool
    }
}
