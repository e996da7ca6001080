using System.Diagnostics;
using Rewind.CrashWorker;
using Rewind.Engine.Tests.Support;
using Xunit.Abstractions;

namespace Rewind.Engine.Tests;

/// <summary>
/// Real crashes: a separate process writes to a real pool and is killed with SIGKILL at a random moment,
/// again and again on the same pool, each run continuing from what the previous kill left. After every
/// kill the pool must open, hold every operation the worker reported durable, equal the state after some
/// prefix of the operations, read every snapshot back exactly, and scrub clean.
/// </summary>
public class KillCrashTests(ITestOutputHelper output)
{
    private const int Kills = 20;

    [Theory]
    [MemberData(nameof(Seeds.KillRuns), MemberType = typeof(Seeds))]
    public void PoolSurvivesRepeatedSigkillWithEveryDurableOperationAndExactlyAPrefix(int seed)
    {
        output.WriteLine($"seed {seed}");
        using var dir = new TempDirectory();
        var rng = new Random(seed);
        var model = new ModelState();
        for (int run = 0; run < Kills; run++)
        {
            string context = $"seed {seed} run {run}";
            var ops = KillWorkload.Generate(seed, run,
                model.Volumes.TryGetValue(KillWorkload.Volume, out var v) ? v.Snapshots.Select(s => s.Name).ToList() : new List<string>(),
                model.Volumes.ContainsKey(KillWorkload.Volume));
            var candidates = Replay(model, ops); // (operations done, state), including states inside a trim
            var (durable, finished, stderr) = RunAndKill(dir.Path, seed, run, rng);
            output.WriteLine($"{context}: killed after {durable} durable operations{(finished ? " (finished)" : "")}");
            Assert.True(stderr.Length == 0 || !stderr.Contains("Unhandled exception"), $"{context}: the worker failed: {stderr}");

            using var pool = Pool.Open(dir.Path);
            var image = PoolImage.Read(pool);
            var match = candidates.LastOrDefault(c => c.Done >= durable && image.Difference(c.State) == null);
            Assert.True(match.State != null,
                $"{context}: recovered pool is no prefix with at least the {durable} durable operations; " +
                $"against the durable state: {image.Difference(candidates.Last(c => c.Done == durable).State)}");
            ModelChecks.ScrubIsClean(pool, context);
            model = match.State;
        }
    }

    /// <summary>The model state after each prefix of <paramref name="ops"/>; a trim also yields its partial states.</summary>
    private static List<(int Done, ModelState State)> Replay(ModelState start, List<KillOp> ops)
    {
        var result = new List<(int, ModelState)> { (0, start.Copy()) };
        var model = start.Copy();
        for (int i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            string vol = KillWorkload.Volume;
            switch (op.Kind)
            {
                case "create": model.CreateVolume(vol, op.Length); break;
                case "write": model.Write(vol, op.Offset, KillWorkload.Data(op)); break;
                case "trim":
                    // A trim is three records (partial head, whole clusters, partial tail) that a background
                    // commit may split, so the states between them are legitimate too.
                    long end = op.Offset + op.Length;
                    long headEnd = Math.Min(end, (op.Offset + KillWorkload.ClusterSize - 1) / KillWorkload.ClusterSize * KillWorkload.ClusterSize);
                    long tailStart = Math.Max(headEnd, end / KillWorkload.ClusterSize * KillWorkload.ClusterSize);
                    model.Zero(vol, op.Offset, headEnd - op.Offset);
                    result.Add((i, model.Copy()));
                    model.Zero(vol, headEnd, tailStart - headEnd);
                    result.Add((i, model.Copy()));
                    model.Zero(vol, op.Offset, op.Length);
                    break;
                case "flush": break;
                case "snapshot": model.Snapshot(vol, op.Snapshot); break;
                case "rollback": model.Rollback(vol, op.Snapshot); break;
                case "delete-snapshot": model.DeleteSnapshot(vol, op.Snapshot); break;
            }
            result.Add((i + 1, model.Copy()));
        }
        return result;
    }

    /// <summary>Starts the worker, kills it with SIGKILL after a random delay, and returns how many operations it reported durable.</summary>
    private static (int Durable, bool Finished, string Stderr) RunAndKill(string poolDir, int seed, int run, Random rng)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(WorkerPath());
        start.ArgumentList.Add(poolDir);
        start.ArgumentList.Add(seed.ToString());
        start.ArgumentList.Add(run.ToString());
        using var process = Process.Start(start)!;
        var lines = new List<string>();
        var ready = new ManualResetEventSlim();
        var stdoutDone = new ManualResetEventSlim();
        var stderr = process.StandardError.ReadToEndAsync();
        var reader = new Thread(() =>
        {
            while (process.StandardOutput.ReadLine() is { } line)
            {
                lock (lines) lines.Add(line);
                if (line == "ready") ready.Set();
            }
            stdoutDone.Set();
        });
        reader.Start();
        // Now and then kill it while it is still opening (recovering) the pool; usually while it works.
        if (rng.Next(6) == 0) Thread.Sleep(rng.Next(50, 400));
        else
        {
            ready.Wait(TimeSpan.FromSeconds(30));
            Thread.Sleep(rng.Next(10, 700));
        }
        try { process.Kill(); } catch (InvalidOperationException) { /* it already finished */ }
        process.WaitForExit();
        stdoutDone.Wait(TimeSpan.FromSeconds(30));
        int durable = 0;
        bool finished = false;
        lock (lines)
            foreach (var line in lines)
            {
                if (line.StartsWith("durable ", StringComparison.Ordinal)) durable = int.Parse(line.AsSpan(8));
                if (line == "done") finished = true;
            }
        return (durable, finished, stderr.Result);
    }

    /// <summary>The worker is built beside the tests: tests/Rewind.CrashWorker/bin/CONFIG/TFM/.</summary>
    private static string WorkerPath()
    {
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string tfm = testBin.Name, config = testBin.Parent!.Name;
        var testsDir = testBin.Parent!.Parent!.Parent!.Parent!;
        var path = Path.Combine(testsDir.FullName, "Rewind.CrashWorker", "bin", config, tfm, "Rewind.CrashWorker.dll");
        Assert.True(File.Exists(path), $"the crash worker is not built at {path}; build tests/Rewind.Engine.Tests, which builds it");
        return path;
    }
}
