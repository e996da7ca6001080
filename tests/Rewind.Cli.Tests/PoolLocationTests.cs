using Rewind.Cli.CommandLine;

namespace Rewind.Cli.Tests;

public class PoolLocationTests
{
    [Fact]
    public void PoolOptionWinsOverEnvironment() =>
        Assert.Equal("/a/b", PoolLocation.Resolve("/a/b", new Dictionary<string, string?> { ["REWIND_POOL"] = "/env" }));

    [Fact]
    public void RewindPoolVariableComesNext() =>
        Assert.Equal("/env", PoolLocation.Resolve(null, new Dictionary<string, string?> { ["REWIND_POOL"] = "/env", ["XDG_DATA_HOME"] = "/xdg" }));

    [Fact]
    public void XdgDataHomeGivesTheDefault() =>
        Assert.Equal("/xdg/rewind/default", PoolLocation.Resolve(null, new Dictionary<string, string?> { ["XDG_DATA_HOME"] = "/xdg", ["HOME"] = "/home/u" }));

    [Fact]
    public void RelativeXdgDataHomeIsIgnoredForHome() =>
        Assert.Equal("/home/u/.local/share/rewind/default",
            PoolLocation.Resolve(null, new Dictionary<string, string?> { ["XDG_DATA_HOME"] = "rel", ["HOME"] = "/home/u" }));
}
