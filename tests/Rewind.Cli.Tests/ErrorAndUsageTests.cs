namespace Rewind.Cli.Tests;

public class ErrorAndUsageTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("volume", "frob")]
    [InlineData("volume", "create", "web")] // missing --size
    [InlineData("volume", "create", "--size", "1G")] // missing NAME
    [InlineData("volume", "create", "web", "--size", "12X")]
    [InlineData("volume", "create", "web", "--size", "1G", "--colour")]
    [InlineData("volume", "create", "web", "extra", "--size", "1G")]
    [InlineData("snapshot", "web")] // no @SNAP
    [InlineData("diff", "web@a", "other@b")]
    [InlineData("status", "--size")]
    public void CommandLineMistakesExitWithTwo(params string[] args)
    {
        var r = _cli.Run(args);
        Assert.True(r.ExitCode == 2, r.ToString());
        Assert.StartsWith("rewind: ", r.Stderr);
        Assert.Contains("see 'rewind ", r.Stderr);
        Assert.Equal("", r.Stdout);
    }

    [Fact]
    public void AUsageErrorPrintsTheCommandsUsageLine()
    {
        var r = _cli.Run("volume", "create", "web");
        Assert.Contains("missing --size", r.Stderr);
        Assert.Contains("usage: rewind volume create NAME --size SIZE", r.Stderr);
        Assert.Contains("see 'rewind volume create --help'", r.Stderr);
    }

    [Fact]
    public void UsageErrorsInJsonModeAreErrorObjectsOnStdout()
    {
        var r = _cli.Run("volume", "create", "web", "--size", "lots", "--json");
        Assert.Equal(2, r.ExitCode);
        var error = r.Json.GetProperty("error");
        Assert.Equal("usage", error.GetProperty("kind").GetString());
        Assert.Contains("lots", error.GetProperty("message").GetString());
    }

    [Fact]
    public void FailedOperationsExitWithOneAndNameTheErrorKind()
    {
        var r = _cli.Run("volume", "info", "ghost");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.Stdout);
        Assert.Contains("rewind: no volume 'ghost'", r.Stderr);
        Assert.Contains("rewind volume list", r.Stderr); // says what to do next

        var j = _cli.Run("--json", "volume", "info", "ghost");
        Assert.Equal(1, j.ExitCode);
        Assert.Equal("notFound", j.Json.GetProperty("error").GetProperty("kind").GetString());
        Assert.Contains("no volume 'ghost'", j.Json.GetProperty("error").GetProperty("message").GetString());

        _cli.Ok("volume", "create", "web", "--size", "1G");
        var exists = _cli.Run("volume", "create", "web", "--size", "1G", "--json");
        Assert.Equal("alreadyExists", exists.Json.GetProperty("error").GetProperty("kind").GetString());
        var badName = _cli.Run("volume", "create", "-x", "--size", "1G");
        Assert.Equal(2, badName.ExitCode); // "-x" reads as an unknown option
        var invalid = _cli.Run("volume", "create", "bad*name", "--size", "1G", "--json");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Equal("invalidArgument", invalid.Json.GetProperty("error").GetProperty("kind").GetString());
        var noPool = _cli.Run("volume", "create", "nowhere/web", "--size", "1G");
        Assert.Equal(1, noPool.ExitCode);
        Assert.Contains("no pool 'nowhere'", noPool.Stderr);
        Assert.Contains("rewind pool add", noPool.Stderr); // says what to do next
    }

    [Fact]
    public void GlobalOptionsWorkAnywhereOnTheLine()
    {
        var stdout = new StringWriter();
        int code = Cli.Run(["volume", "--json", "create", "web", "--pool", _cli.PoolDir, "--size", "1G"], stdout, new StringWriter(),
            new Dictionary<string, string?>());
        Assert.Equal(0, code);
        Assert.Contains("\"sizeBytes\": 1073741824", stdout.ToString());
    }

    [Fact]
    public void ThePoolComesFromRewindPoolWhenNoOptionIsGiven()
    {
        var stdout = new StringWriter();
        var env = new Dictionary<string, string?> { ["REWIND_POOL"] = _cli.PoolDir, ["HOME"] = _cli.Root };
        Assert.Equal(0, Cli.Run(["volume", "create", "web", "--size", "1G"], stdout, new StringWriter(), env));
        Assert.Equal("web", _cli.Json("volume", "list").GetProperty("volumes")[0].GetProperty("name").GetString());
    }

    [Fact]
    public void EveryCommandHasHelpWithUsageAndExamples()
    {
        foreach (var spec in Commands.CommandTable.All)
        {
            var r = _cli.Run([.. spec.Words, "--help"]);
            Assert.True(r.ExitCode == 0, $"{spec.Verb}: {r}");
            Assert.Contains($"usage: rewind {spec.Verb}", r.Stdout);
            Assert.Contains("examples:", r.Stdout);
            Assert.Contains(spec.Description.Trim().Split('\n')[0].Trim(), r.Stdout);
        }
        var overview = _cli.Run("--help");
        Assert.Equal(0, overview.ExitCode);
        Assert.All(Commands.CommandTable.All, spec => Assert.Contains(spec.Verb, overview.Stdout));
        Assert.Contains("volume create", _cli.Run("volume", "--help").Stdout);
        var none = _cli.Run(); // no verb: the overview on stderr
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("commands:", none.Stderr);
        Assert.Equal("usage", _cli.Run("--json").Json.GetProperty("error").GetProperty("kind").GetString());
        Assert.Equal("usage", _cli.Run("volume", "--json").Json.GetProperty("error").GetProperty("kind").GetString());
        Assert.Matches(@"^rewind \d+\.\d+", _cli.Ok("--version").Stdout);
        Assert.False(Directory.Exists(_cli.PoolDir)); // help never opens the pool
    }
}
