using System.Text.RegularExpressions;
using Rewind.Management;
using Rewind.Server;

namespace Rewind.Cli.Tests;

/// <summary>While `rewind serve` holds a site the CLI goes through its api.sock and must behave exactly as offline.</summary>
public class DaemonModeTests
{
    /// <summary>
    /// Every command, good and bad, in both modes. Placeholders: IMAGE (a raw image), OUT (a new file),
    /// FAST (the second pool's directory), MARKS (the file the hooks write); a RUN-SCHEDULE step makes the
    /// scheduled runs the daemon's scheduler would make, at fixed slots.
    /// </summary>
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

        ["pool", "add", "fast", "FAST"],
        ["pool", "add", "fast", "FAST"],
        ["pool", "list"],
        ["volume", "create", "fast/db", "--size", "1M"],
        ["volume", "create", "nowhere/db", "--size", "1M"],
        ["import", "IMAGE", "fast/img"],
        ["export", "fast/img", "OUT"],
        ["group", "create", "stack", "web2", "fast/db"],
        ["group", "create", "web2", "web2"],
        ["group", "create", "other", "fast/ghost"],
        ["group", "list"],
        ["hook", "add", "stack", "marker", "--pre", "echo pre $REWIND_SNAPSHOT >> MARKS", "--post", "echo post >> MARKS", "--timeout", "10s"],
        ["hook", "add", "stack", "marker", "--pre", "true"],
        ["hook", "list", "stack"],
        ["snapshot", "stack@g1", "--reason", "daemon parity"],
        ["snapshot", "list", "stack"],
        ["snapshot", "list", "fast/db"],
        ["hold", "stack@g1"],
        ["snapshot", "delete", "stack@g1"],
        ["release", "stack@g1"],
        ["hold", "fast/db@g1", "--tag", "audit"],
        ["release", "fast/db@g1", "--tag", "audit"],
        ["rollback", "stack@g1"],
        ["clone", "stack@g1", "t-"],
        ["group", "info", "t-stack"],
        ["hook", "add", "stack", "broken", "--pre", "echo no >&2; exit 1"],
        ["snapshot", "stack@g2"],
        ["hook", "remove", "stack", "broken"],
        ["snapshot", "delete", "stack@g1"],
        ["schedule", "set", "fast/db", "0 0 29 2 *", "--keep-last", "5"],
        ["schedule", "set", "fast/db", "twice a day"],
        ["RUN-SCHEDULE", "fast/db", "3"],
        ["schedule", "list"],
        ["prune", "fast/db", "--dry-run", "--keep", "last=1"],
        ["prune", "fast/db", "--keep", "last=2"],
        ["schedule", "clear", "fast/db"],
        ["group", "remove", "stack", "fast/db"],
        ["group", "delete", "t-stack"],
        ["status", "fast"],
        ["scrub", "fast"],
        ["log"],

        ["scrub"],
        ["volume", "list"],
    ];

    /// <summary>
    /// The scheduled runs of the RUN-SCHEDULE step, at slots shared by both modes. The daemon's own scheduler
    /// must add no run of its own during the test: the schedule fires only on 29 February, and the slots lie
    /// after now, so there is no run missed between the last one and now for it to catch up on.
    /// </summary>
    private static readonly DateTimeOffset FirstSlot = new(DateTimeOffset.UtcNow.Date.AddDays(2), TimeSpan.Zero);

    private static async Task<List<string>> RunScript(CliRunner cli, Func<string, DateTimeOffset, Task> runScheduled)
    {
        var image = cli.PathOf("image.raw");
        var data = new byte[3 << 20];
        new Random(11).NextBytes(data.AsSpan(1 << 20, 1 << 20));
        File.WriteAllBytes(image, data);
        var outputs = new List<string>();
        foreach (var step in Script)
        {
            if (step[0] == "RUN-SCHEDULE")
            {
                for (int i = 0; i < int.Parse(step[2]); i++) await runScheduled(step[1], FirstSlot.AddHours(i));
                continue;
            }
            var args = step.Select(a => a switch
            {
                "IMAGE" => image,
                "OUT" => cli.PathOf("out-" + Guid.NewGuid() + ".raw"),
                "FAST" => cli.PathOf("fast"),
                _ => a.Replace("MARKS", cli.PathOf("marks.txt")),
            }).ToArray();
            var r = cli.Run([.. args, "--json"]);
            outputs.Add($"{string.Join(' ', step)} => exit {r.ExitCode}: {Normalise(r.Stdout, cli.Root)}");
        }
        outputs.Add("hooks wrote: " + string.Join(" | ", File.ReadAllLines(cli.PathOf("marks.txt"))));
        return outputs;
    }

    /// <summary>Ids, times, durations, paths and pids differ between two runs; everything else must not.</summary>
    private static string Normalise(string json, string root)
    {
        var s = json.Replace(root, "ROOT");
        s = Regex.Replace(s, "\"(createdAt|id|time|lastRun|nextRun|duration|pauseMs)\": *(\"[^\"]*\"|[0-9.e-]+)", "\"$1\": X");
        s = Regex.Replace(s, "\"(filesystemFreeBytes|metadataBytes|dataFileBytesOnDisk|mapMemoryBytes|pendingFreeBytes)\": *[0-9]+", "\"$1\": X");
        s = Regex.Replace(s, "out-[0-9a-f-]+\\.raw", "out.raw");
        s = Regex.Replace(s, "\\bpid [0-9]+", "pid X");
        return Regex.Replace(s, "\\s+", " ");
    }

    [Fact]
    public async Task EveryCommandGivesTheSameAnswerThroughARunningDaemonAsOffline()
    {
        using var offline = new CliRunner();
        var expected = await RunScript(offline, async (target, slot) =>
        {
            using var site = Site.Open(offline.PoolDir);
            await site.RunScheduledAsync(target, slot);
        });

        using var online = new CliRunner();
        await using (var daemon = await Daemon.StartAsync(new ServeOptions { PoolDirectory = online.PoolDir, NbdListen = null }))
        {
            var actual = await RunScript(online, (target, slot) => daemon.Site.RunScheduledAsync(target, slot));
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i]);
            // The daemon really held the site: opening its pools directly must be refused while it runs.
            foreach (var dir in new[] { online.PoolDir, online.PathOf("fast") })
            {
                var e = Assert.Throws<Rewind.Engine.RewindException>(() => Rewind.Engine.Pool.Open(dir));
                Assert.Equal(Rewind.Engine.ErrorKind.Busy, e.Kind);
            }
        }
    }
}
