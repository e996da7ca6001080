using System.Text.Json;
using System.Text.RegularExpressions;
using Rewind.Server;

namespace Rewind.Cli.Tests;

/// <summary>While `rewind serve` holds a pool the CLI goes through its api.sock and must behave exactly as offline.</summary>
public class DaemonModeTests
{
    private static readonly string[][] Script =
    [
        ["volume", "create", "web", "--size", "64M"],
        ["volume", "create", "db", "--size", "1G"],
        ["volume", "create", "bad/name", "--size", "1G"],
        ["volume", "create", "web", "--size", "1G"],
        ["import", "IMAGE", "web", "--into-existing"],
        ["snapshot", "web@base"],
        ["snapshot", "web@base"],
        ["volume", "list"],
        ["snapshot", "list", "web"],
        ["clone", "web@base", "web2"],
        ["diff", "web@base", "web"],
        ["volume", "resize", "db", "--size", "2G"],
        ["volume", "rename", "db", "db2"],
        ["volume", "info", "nope"],
        ["rollback", "web@nope"],
        ["rollback", "web@base"],
        ["export", "web2", "OUT"],
        ["volume", "delete", "web"],
        ["volume", "delete", "web", "--recursive"],
        ["scrub"],
        ["volume", "list"],
    ];

    private static List<string> RunScript(CliRunner cli)
    {
        var image = cli.PathOf("image.raw");
        var data = new byte[3 << 20];
        new Random(11).NextBytes(data.AsSpan(1 << 20, 1 << 20));
        File.WriteAllBytes(image, data);
        var outputs = new List<string>();
        foreach (var step in Script)
        {
            var args = step.Select(a => a == "IMAGE" ? image : a == "OUT" ? cli.PathOf("out-" + Guid.NewGuid() + ".raw") : a).ToArray();
            var r = cli.Run([.. args, "--json"]);
            outputs.Add($"{string.Join(' ', step)} => exit {r.ExitCode}: {Normalise(r.Stdout, cli.Root)}");
        }
        return outputs;
    }

    /// <summary>Ids, times, paths and pids differ between two pools; everything else must not.</summary>
    private static string Normalise(string json, string root)
    {
        var s = json.Replace(root, "ROOT");
        s = Regex.Replace(s, "\"(createdAt|id)\": *(\"[^\"]*\"|[0-9]+)", "\"$1\": X");
        s = Regex.Replace(s, "\"(filesystemFreeBytes|metadataBytes|dataFileBytesOnDisk|mapMemoryBytes|pendingFreeBytes)\": *[0-9]+", "\"$1\": X");
        s = Regex.Replace(s, "out-[0-9a-f-]+\\.raw", "out.raw");
        s = Regex.Replace(s, "\\bpid [0-9]+", "pid X");
        return Regex.Replace(s, "\\s+", " ");
    }

    [Fact]
    public async Task EveryCommandGivesTheSameAnswerThroughARunningDaemonAsOffline()
    {
        using var offline = new CliRunner();
        var expected = RunScript(offline);

        using var online = new CliRunner();
        await using (var daemon = await Daemon.StartAsync(new ServeOptions { PoolDirectory = online.PoolDir, NbdListen = null }))
        {
            var actual = RunScript(online);
            for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i]);
            // The daemon really held the pool: opening it directly must be refused while it runs.
            var e = Assert.Throws<Rewind.Engine.RewindException>(() => Rewind.Engine.Pool.Open(online.PoolDir));
            Assert.Equal(Rewind.Engine.ErrorKind.Busy, e.Kind);
        }
    }
}
