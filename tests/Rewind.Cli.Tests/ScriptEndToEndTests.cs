namespace Rewind.Cli.Tests;

/// <summary>The repository's ./rewind script, as a user runs it: build on first use, then every step.</summary>
public class ScriptEndToEndTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "rewind")) && File.Exists(Path.Combine(dir.FullName, "Rewind.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no repository root above {AppContext.BaseDirectory}");
    }

    private string Rewind(params string[] args)
    {
        var r = SecondProcessTests.RunChild(Path.Combine(RepositoryRoot(), "rewind"), ["--pool", _cli.PoolDir, .. args]);
        Assert.True(r.ExitCode == 0, $"./rewind {string.Join(' ', args)} exited {r.ExitCode}: {r.Stderr}");
        return r.Stdout;
    }

    [Fact]
    public void CreateImportSnapshotRollbackExportThroughTheScript()
    {
        string original = _cli.PathOf("original.raw"), changed = _cli.PathOf("changed.raw"), exported = _cli.PathOf("exported.raw");
        SparseFiles.Create(original, clusters: 64, seed: 7);
        File.WriteAllBytes(changed, Enumerable.Repeat((byte)0xEE, 128 * 1024).ToArray());

        Rewind("volume", "create", "web", "--size", "4M");
        Rewind("import", original, "web", "--into-existing");
        Assert.Contains("created snapshot web@clean", Rewind("snapshot", "web@clean"));
        Rewind("import", changed, "web", "--into-existing");
        Rewind("rollback", "web@clean");
        Rewind("export", "web", exported);

        SparseFiles.AssertSameBytes(original, exported, new FileInfo(original).Length);
        Assert.Equal(4L << 20, new FileInfo(exported).Length);
        Assert.Contains("clean", Rewind("scrub"));
    }
}
