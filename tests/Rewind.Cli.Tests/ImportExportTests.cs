using System.Text;

namespace Rewind.Cli.Tests;

public class ImportExportTests : IDisposable
{
    private const int Cluster = 64 * 1024;
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ASparseImageRoundTripsByteForByteAndStaysSparse(int seed)
    {
        string source = _cli.PathOf("source.raw");
        string exported = _cli.PathOf("exported.raw");
        var dataClusters = SparseFiles.Create(source, clusters: 1000, seed);
        long fileBytes = new FileInfo(source).Length;
        try
        {
            var imported = _cli.Json("import", source, "disk");
            Assert.Equal(fileBytes, imported.GetProperty("fileBytes").GetInt64());
            Assert.Equal((fileBytes + 511) / 512 * 512, imported.GetProperty("sizeBytes").GetInt64());

            // Zero clusters, holes or written zeros, take no space in the pool.
            var volume = _cli.Json("volume", "info", "disk");
            Assert.Equal((long)dataClusters.Count * Cluster, volume.GetProperty("referencedBytes").GetInt64());

            var result = _cli.Json("export", "disk", exported);
            Assert.Equal(volume.GetProperty("sizeBytes").GetInt64(), new FileInfo(exported).Length);
            Assert.Equal((long)dataClusters.Count * Cluster, result.GetProperty("dataBytesWritten").GetInt64());
            SparseFiles.AssertSameBytes(source, exported, fileBytes);
            using (var tail = File.OpenRead(exported))
            {
                tail.Position = fileBytes;
                Assert.All(ReadToEnd(tail), b => Assert.Equal(0, b));
            }

            // The export holds only the data clusters; the source also allocated its written zeros.
            long exportedAllocated = SparseFiles.AllocatedBytes(exported);
            Assert.True(exportedAllocated <= SparseFiles.AllocatedBytes(source),
                $"export allocates {exportedAllocated} bytes, the source {SparseFiles.AllocatedBytes(source)}");
            Assert.True(exportedAllocated < (long)(dataClusters.Count + 16) * Cluster, $"export allocates {exportedAllocated} bytes");
        }
        catch (Exception) when (Fail(seed)) { throw; }
    }

    private static bool Fail(int seed)
    {
        Console.Error.WriteLine($"sparse round trip failed with seed {seed}");
        return false;
    }

    private static byte[] ReadToEnd(Stream s)
    {
        var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    [Fact]
    public void ExportOfASnapshotIsItsContentWhileTheVolumeMovesOn()
    {
        string v1 = _cli.PathOf("v1.raw"), v2 = _cli.PathOf("v2.raw"), back = _cli.PathOf("back.raw");
        File.WriteAllBytes(v1, Enumerable.Range(0, 3 * Cluster).Select(i => (byte)(i % 251)).ToArray());
        File.WriteAllBytes(v2, Enumerable.Range(0, 3 * Cluster).Select(i => (byte)(i % 13 + 1)).ToArray());
        _cli.Ok("import", v1, "web");
        _cli.Ok("snapshot", "web@one");
        _cli.Ok("import", v2, "web", "--into-existing");
        _cli.Ok("export", "web@one", back);
        Assert.Equal(File.ReadAllBytes(v1), File.ReadAllBytes(back));
        Assert.Equal(File.ReadAllBytes(v2), _cli.ExportToStdout("web"));
    }

    [Fact]
    public void ImportIntoAnExistingVolumeNeedsTheFlagAndZeroesWhatTheFileHasAsZeros()
    {
        string ones = _cli.PathOf("ones.raw"), zeros = _cli.PathOf("zeros.raw");
        File.WriteAllBytes(ones, Enumerable.Repeat((byte)1, 2 * Cluster).ToArray());
        File.WriteAllBytes(zeros, new byte[Cluster]);
        _cli.Ok("import", ones, "web");
        var refused = _cli.Run("import", zeros, "web", "--json");
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("alreadyExists", refused.Json.GetProperty("error").GetProperty("kind").GetString());
        Assert.Contains("--into-existing", refused.Json.GetProperty("error").GetProperty("message").GetString());

        _cli.Ok("import", zeros, "web", "--into-existing");
        var image = _cli.ExportToStdout("web");
        Assert.All(image.AsSpan(0, Cluster).ToArray(), b => Assert.Equal(0, b));
        Assert.All(image.AsSpan(Cluster).ToArray(), b => Assert.Equal(1, b)); // past the file's end: unchanged
    }

    [Fact]
    public void ImportHonoursSizeAndRefusesOneSmallerThanTheFile()
    {
        string file = _cli.PathOf("small.raw");
        File.WriteAllBytes(file, Encoding.ASCII.GetBytes("hello, volume"));
        Assert.Equal(1L << 30, _cli.Json("import", file, "big", "--size", "1G").GetProperty("sizeBytes").GetInt64());
        Assert.Equal(512, _cli.Json("volume", "info", _cli.Json("import", file, "tiny").GetProperty("volume").GetString()!).GetProperty("sizeBytes").GetInt64());
        var tooSmall = _cli.Run("import", _cli.PathOf("small.raw"), "c", "--size", "0");
        Assert.Equal(1, tooSmall.ExitCode);
        Assert.False(_cli.Json("volume", "list").GetProperty("volumes").EnumerateArray().Any(v => v.GetProperty("name").GetString() == "c"));
        var missing = _cli.Run("import", _cli.PathOf("nope.raw"), "d", "--json");
        Assert.Equal("notFound", missing.Json.GetProperty("error").GetProperty("kind").GetString());
    }

    [Fact]
    public void ExportRefusesToOverwriteAFileUnlessForced()
    {
        string file = _cli.PathOf("out.raw");
        _cli.Ok("volume", "create", "web", "--size", "1M");
        File.WriteAllText(file, "precious");
        var r = _cli.Run("export", "web", file);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("--force", r.Stderr);
        Assert.Equal("precious", File.ReadAllText(file));
        _cli.Ok("export", "web", file, "--force");
        Assert.Equal(new byte[1 << 20], File.ReadAllBytes(file));
        Assert.Equal(0, SparseFiles.AllocatedBytes(file)); // an empty volume exports as one hole
    }

    [Fact]
    public void AnInterruptedImportOrExportLeavesNothingHalfMade()
    {
        string file = _cli.PathOf("data.raw"), output = _cli.PathOf("out.raw");
        File.WriteAllBytes(file, Enumerable.Repeat((byte)9, 4 * Cluster).ToArray());
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Cli.Run(["--pool", _cli.PoolDir, "import", file, "web"], stdout, stderr, new Dictionary<string, string?>(),
            cancel: new CancellationToken(canceled: true));
        Assert.Equal(1, code);
        Assert.Contains("interrupted", stderr.ToString());
        Assert.Equal(0, _cli.Json("volume", "list").GetProperty("volumes").GetArrayLength());

        _cli.Ok("import", file, "web");
        code = Cli.Run(["--pool", _cli.PoolDir, "--json", "export", "web", output], stdout = new StringWriter(), stderr,
            new Dictionary<string, string?>(), cancel: new CancellationToken(canceled: true));
        Assert.Equal(1, code);
        Assert.Contains("\"kind\": \"interrupted\"", stdout.ToString());
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void ExportLeavesClustersOfWrittenZerosAsHoles()
    {
        _cli.Ok("volume", "create", "web", "--size", "4M");
        using (var pool = Engine.Pool.Open(_cli.PoolDir))
        using (var h = pool.Open("web"))
        {
            h.Write(0, Enumerable.Repeat((byte)3, Cluster).ToArray());
            h.Write(8 * Cluster, new byte[16 * Cluster]); // allocated in the volume, but all zeros
            h.Flush();
        }
        string output = _cli.PathOf("out.raw");
        var result = _cli.Json("export", "web", output);
        Assert.Equal(Cluster, result.GetProperty("dataBytesWritten").GetInt64());
        Assert.InRange(SparseFiles.AllocatedBytes(output), Cluster, 2 * Cluster);
        var image = File.ReadAllBytes(output);
        Assert.All(image.AsSpan(0, Cluster).ToArray(), b => Assert.Equal(3, b));
        Assert.All(image.AsSpan(Cluster).ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public void ExportSkipsZeroClustersEvenWhenTheDeviceReportsThemAsData()
    {
        // A device that calls everything data (as a site reached through a daemon might): export
        // must still find the zero clusters itself and leave them as holes.
        var device = new AllDataDevice(size: 4 << 20, dataCluster: 5, Cluster);
        string output = _cli.PathOf("out.raw");
        var stdout = new StringWriter();
        int code = Cli.Run(["--pool", _cli.PoolDir, "--json", "export", "web", output], stdout, new StringWriter(),
            new Dictionary<string, string?>(), openSite: (_, _) => new OneDeviceSite(device));
        Assert.True(code == 0, stdout.ToString());
        Assert.Contains("\"dataBytesWritten\": 65536", stdout.ToString());
        Assert.InRange(SparseFiles.AllocatedBytes(output), Cluster, 2 * Cluster);
        var image = File.ReadAllBytes(output);
        Assert.Equal(4 << 20, image.Length);
        for (int i = 0; i < image.Length; i++) Assert.Equal(i / Cluster == 5 ? (byte)0x42 : (byte)0, image[i]);
    }

    [Fact]
    public void ProgressBarsGoToStderrOnlyWhenItIsATerminal()
    {
        string file = _cli.PathOf("data.raw");
        File.WriteAllBytes(file, Enumerable.Repeat((byte)9, 4 * Cluster).ToArray());
        var terminal = new StringWriter();
        Assert.Equal(0, Cli.Run(["--pool", _cli.PoolDir, "import", file, "a"], new StringWriter(), terminal,
            new Dictionary<string, string?>(), stderrIsTerminal: true));
        Assert.Contains("\rimport [", terminal.ToString());
        Assert.Contains("100%", terminal.ToString());

        var redirected = new StringWriter();
        Assert.Equal(0, Cli.Run(["--pool", _cli.PoolDir, "import", file, "b"], new StringWriter(), redirected,
            new Dictionary<string, string?>(), stderrIsTerminal: false));
        Assert.Equal("", redirected.ToString());
    }
}
