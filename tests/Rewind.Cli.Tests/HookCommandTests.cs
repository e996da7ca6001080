namespace Rewind.Cli.Tests;

/// <summary>Quiesce hooks through the CLI: commands that really run around the cut, and a failing one that stops it.</summary>
public class HookCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();
    private string Marks => _cli.PathOf("marks.txt");

    public void Dispose() => _cli.Dispose();

    private string[] MarkLines() => File.Exists(Marks) ? File.ReadAllLines(Marks) : [];

    private void GroupAcrossTwoPools()
    {
        _cli.Ok("pool", "add", "fast", _cli.PathOf("fast"));
        _cli.Ok("volume", "create", "web", "--size", "1M");
        _cli.Ok("volume", "create", "fast/db", "--size", "1M");
        _cli.Ok("group", "create", "stack", "web", "fast/db");
    }

    private string Mark(string phase) => $"echo {phase} $REWIND_TARGET $REWIND_SNAPSHOT $REWIND_VOLUMES >> '{Marks}'";

    [Fact]
    public void PreAndPostCommandsRunAroundAGroupSnapshotWhichIsThenApplicationConsistent()
    {
        GroupAcrossTwoPools();
        var added = _cli.Json("hook", "add", "stack", "marker", "--pre", Mark("pre"), "--post", Mark("post"), "--timeout", "10s");
        Assert.Equal("marker", added.GetProperty("hooks")[0].GetProperty("name").GetString());
        Assert.Equal("00:00:10", added.GetProperty("hooks")[0].GetProperty("timeout").GetString());

        var snap = _cli.Json("snapshot", "stack@one");
        Assert.Equal(["pre stack one web fast/db", "post stack one web fast/db"], MarkLines());
        Assert.True(snap.GetProperty("applicationConsistent").GetBoolean());
        var runs = snap.GetProperty("hooks").EnumerateArray().Select(r => (r.GetProperty("hook").GetString(), r.GetProperty("phase").GetString(), r.GetProperty("ok").GetBoolean()));
        Assert.Equal([("marker", "pre", true), ("marker", "post", true)], runs);
        Assert.All(snap.GetProperty("members").EnumerateArray(), m => Assert.True(m.GetProperty("applicationConsistent").GetBoolean()));
        Assert.Matches(@"stack@one\s.*\sapplication\s", _cli.Ok("snapshot", "list", "stack").Stdout);

        var text = _cli.Ok("snapshot", "stack@two").Stdout;
        Assert.Contains("application-consistent", text);
        Assert.Matches(@"marker\s+pre\s+ok\s", text);
        Assert.Matches(@"marker\s+post\s+ok\s", text);

        var list = _cli.Ok("hook", "list", "stack").Stdout;
        Assert.Matches(@"marker\s+command\s+10s\s+pre: echo pre", list);
        Assert.Contains("0 hook(s) left", _cli.Ok("hook", "remove", "stack", "marker").Stdout);
        Assert.False(_cli.Json("snapshot", "stack@three").GetProperty("applicationConsistent").GetBoolean());
        Assert.Equal(4, MarkLines().Length); // the removed hook no longer runs
    }

    [Fact]
    public void AFailingPreHookTakesNoSnapshotThawsWhatWasFrozenAndNamesTheHook()
    {
        GroupAcrossTwoPools();
        _cli.Ok("hook", "add", "stack", "marker", "--pre", Mark("pre"), "--post", Mark("post"));
        _cli.Ok("hook", "add", "stack", "db-freeze", "--pre", "echo cannot reach the database >&2; exit 1");

        var r = _cli.Run("snapshot", "stack@one");
        Assert.True(r.ExitCode == 1, r.ToString());
        Assert.Equal("", r.Stdout);
        Assert.Contains("hook 'db-freeze'", r.Stderr);
        Assert.Contains("exited with code 1", r.Stderr);
        Assert.Contains("cannot reach the database", r.Stderr);
        Assert.Equal(["pre stack one web fast/db", "post stack one web fast/db"], MarkLines()); // the earlier hook was thawed
        Assert.Equal(0, _cli.Json("snapshot", "list").GetProperty("snapshots").GetArrayLength());

        var j = _cli.Run("snapshot", "stack@one", "--json");
        Assert.Equal(1, j.ExitCode);
        Assert.Equal("hookFailed", j.Json.GetProperty("error").GetProperty("kind").GetString());

        _cli.Ok("hook", "remove", "stack", "db-freeze");
        _cli.Ok("hook", "add", "stack", "slow", "--pre", "sleep 30", "--timeout", "300ms");
        var slow = _cli.Run("snapshot", "stack@one");
        Assert.Equal(1, slow.ExitCode);
        Assert.Contains("hook 'slow'", slow.Stderr);
        Assert.Contains("timed out", slow.Stderr);
        Assert.Equal(0, _cli.Json("snapshot", "list").GetProperty("snapshots").GetArrayLength());
    }

    [Fact]
    public void AVolumesOwnHooksRunAroundItsSnapshots()
    {
        _cli.Ok("volume", "create", "web", "--size", "1M");
        _cli.Ok("hook", "add", "web", "marker", "--post", Mark("post"));
        var snap = _cli.Json("snapshot", "web@one", "--reason", "hooked");
        Assert.True(snap.GetProperty("applicationConsistent").GetBoolean());
        Assert.Equal("hooked", snap.GetProperty("reason").GetString());
        Assert.Equal(["post web one web"], MarkLines());
        Assert.Matches(@"web@one\s.*\sapplication\s.*hooked", _cli.Ok("snapshot", "list", "web").Stdout);
    }

    [Theory]
    [InlineData("hook", "add", "web", "h")]                                            // nothing to run
    [InlineData("hook", "add", "web", "h", "--pre", "true", "--guest-agent", "/x.sock")] // both kinds
    [InlineData("hook", "add", "web", "h", "--pre", "true", "--timeout", "soon")]
    [InlineData("hook", "add", "web", "h", "--pre", "true", "--timeout", "0s")]
    [InlineData("hook", "add", "web")]                                                   // no NAME
    public void HookCommandLineMistakesExitWithTwo(params string[] args)
    {
        var r = _cli.Run(args);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("usage: rewind hook add TARGET NAME", r.Stderr);
    }

    [Fact]
    public void HooksOnUnknownTargetsAndDuplicateNamesAreRefused()
    {
        var ghost = _cli.Run("hook", "add", "ghost", "h", "--pre", "true");
        Assert.Equal(1, ghost.ExitCode);
        Assert.Contains("no group or volume 'ghost'", ghost.Stderr);
        _cli.Ok("volume", "create", "web", "--size", "1M");
        _cli.Ok("hook", "add", "web", "h", "--pre", "true");
        Assert.Contains("already has a hook 'h'", _cli.Run("hook", "add", "web", "h", "--pre", "true").Stderr);
        Assert.Contains("has no hook 'other'", _cli.Run("hook", "remove", "web", "other").Stderr);
        var agent = _cli.Json("hook", "add", "web", "qga", "--guest-agent", "relative/qga.sock");
        Assert.Equal(Path.GetFullPath("relative/qga.sock"), agent.GetProperty("hooks")[1].GetProperty("agentSocket").GetString());
        Assert.Equal("guestAgent", agent.GetProperty("hooks")[1].GetProperty("kind").GetString());
    }
}
