namespace Rewind.Cli.Tests;

/// <summary>The audit log through 'rewind log'.</summary>
public class LogCommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Fact]
    public void TheLogShowsEveryOperationWithItsUserAndResult()
    {
        var start = DateTimeOffset.Now.AddSeconds(-1);
        _cli.Ok("volume", "create", "web", "--size", "1M");
        _cli.Ok("group", "create", "stack", "web");
        _cli.Ok("snapshot", "stack@one");
        Assert.Equal(1, _cli.Run("snapshot", "delete", "web@ghost").ExitCode);
        _cli.Ok("volume", "list"); // reading is not an operation on the site

        var entries = _cli.Json("log").GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["volume.create", "group.create", "group.snapshot", "snapshot.delete"], entries.Select(e => e.GetProperty("operation").GetString()));
        Assert.Equal(["web", "stack", "stack@one", "web@ghost"], entries.Select(e => e.GetProperty("target").GetString()));
        Assert.All(entries, e => Assert.Equal(Environment.UserName, e.GetProperty("user").GetString()));
        Assert.All(entries, e => Assert.InRange(e.GetProperty("time").GetDateTimeOffset(), start, DateTimeOffset.Now));
        Assert.Equal(["ok", "ok", "ok", "failed"], entries.Select(e => e.GetProperty("result").GetString()));
        Assert.Contains("ghost", entries[3].GetProperty("error").GetString());
        Assert.Equal("web", entries[2].GetProperty("details").GetProperty("members").GetString());

        var text = _cli.Ok("log").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^TIME\s+USER\s+OPERATION\s+TARGET\s+RESULT\s+ERROR$", text[0]);
        Assert.Matches($@"^\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\s+{Environment.UserName}\s+group\.snapshot\s+stack@one\s+ok$", text[3]);
        Assert.Matches(@"snapshot\.delete\s+web@ghost\s+failed\s+.*ghost", text[4]);

        Assert.Equal(["group.snapshot", "snapshot.delete"], _cli.Json("log", "--last", "2").GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("operation").GetString()));
        Assert.Equal(4, _cli.Json("log", "--since", "1h").GetProperty("entries").GetArrayLength());
        Assert.Equal(4, _cli.Json("log", "--since", start.ToString("O")).GetProperty("entries").GetArrayLength());
        Assert.Equal(0, _cli.Json("log", "--since", DateTimeOffset.Now.AddMinutes(5).ToString("yyyy-MM-dd HH:mm:ss")).GetProperty("entries").GetArrayLength());
        Assert.Contains("no entries", _cli.Ok("log", "--since", "2999-01-01").Stdout);
    }

    [Theory]
    [InlineData("--last", "0")]
    [InlineData("--last", "many")]
    [InlineData("--since", "yesterday-ish")]
    public void BadLogOptionsAreCommandLineMistakes(string option, string value)
    {
        var r = _cli.Run("log", option, value);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.Contains("usage: rewind log", r.Stderr);
    }
}
