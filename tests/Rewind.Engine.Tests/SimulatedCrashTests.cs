using Rewind.Engine.Storage;
using Rewind.Engine.Tests.Support;
using Xunit.Abstractions;

namespace Rewind.Engine.Tests;

/// <summary>
/// Power cuts at random storage calls — in the middle of a data write, a journal commit, a checkpoint
/// or a delete — with unsynced writes lost or torn. The pool must reopen by itself, keep everything
/// that was durable, show exactly the state after some prefix of the operations, and scrub clean.
/// </summary>
public class SimulatedCrashTests(ITestOutputHelper output)
{
    private const int ClusterSize = 4096;
    private const int Iterations = 80;
    private const int StepsPerIteration = 60;

    private static PoolOptions Options(IStorage storage) =>
        new() { Storage = storage, BackgroundWork = false, ClusterSize = ClusterSize };

    [Theory]
    [MemberData(nameof(Seeds.CrashRuns), MemberType = typeof(Seeds))]
    public void PoolRecoversExactlyAPrefixNoShorterThanTheLastDurablePointAfterAPowerCut(int seed)
    {
        output.WriteLine($"seed {seed}");
        for (int iteration = 0; iteration < Iterations; iteration++)
            CrashOnce(seed, iteration);
    }

    private void CrashOnce(int seed, int iteration)
    {
        var rng = new Random(seed * 100_003 + iteration);
        int crashAt = rng.Next(1, 700);
        var storage = new CrashingStorage(new SimulatedStorage(), crashAt, new Random(rng.Next()));
        var options = Options(storage);
        string where = $"seed {seed} iteration {iteration} (power cut at storage call {crashAt})";

        var states = new List<ModelState> { new() };
        int durable = 0;
        RandomWorkload? workload = null;
        try
        {
            workload = new RandomWorkload(Pool.Open("/sim", options), rng.Next(), 256 * 1024, ClusterSize) { ReopenOptions = options };
            for (int i = 0; i < StepsPerIteration; i++)
            {
                workload.Step();
                states.Add(workload.Model.Copy());
                if (workload.LastOpWasDurable) durable = states.Count - 1;
            }
        }
        catch (CrashingStorage.PowerCut)
        {
            // The interrupted operation may or may not have landed: its target state is a candidate too.
            if (workload != null) states.Add(workload.Model.Copy());
        }
        var afterCrash = storage.CrashNow();
        try { workload?.Subject.Dispose(); } catch (CrashingStorage.PowerCut) { }
        string context = workload == null ? where : $"{where}, {workload.Context}";

        try { CheckRecovery(afterCrash, states, durable, context, rng); }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Exception($"{context}: {e.Message}", e);
        }
    }

    private static void CheckRecovery(SimulatedStorage afterCrash, List<ModelState> states, int durable, string context, Random rng)
    {
        Pool recovered;
        try { recovered = Pool.Open("/sim", Options(afterCrash)); }
        catch (RewindException e) { Assert.Fail($"{context}: the pool did not reopen after a power cut: {e.Message}"); return; }
        using (recovered)
        {
            var image = PoolImage.Read(recovered);
            int match = -1;
            for (int i = states.Count - 1; i >= durable && match < 0; i--)
                if (image.Difference(states[i]) == null) match = i;
            Assert.True(match >= 0,
                $"{context}: recovered state is no prefix at or after the last durable step {durable} of {states.Count - 1}; " +
                $"against the durable state: {image.Difference(states[durable])}; against the newest: {image.Difference(states[^1])}");
            ModelChecks.ScrubIsClean(recovered, context + " after recovery");

            // The recovered allocator must hand out slots without clobbering anything that survived.
            var more = new RandomWorkload(recovered, rng.Next(), 256 * 1024, ClusterSize, namePrefix: "after") { ReopenOptions = Options(afterCrash) };
            more.ReplaceModel(states[match].Copy());
            for (int i = 0; i < 20; i++) more.Step();
            ModelChecks.EverythingMatches(more.Subject, more.Model, $"{context}, then {more.Context}");
            ModelChecks.ScrubIsClean(more.Subject, $"{context}, then {more.Context}");
            if (!ReferenceEquals(more.Subject, recovered)) more.Subject.Dispose();
        }
    }

    [Fact]
    public void FailedFlushMakesThePoolRefuseWritesAndReopeningRecoversTheLastDurableState()
    {
        var storage = new SimulatedStorage();
        var options = Options(storage);
        var durableData = Pattern(3 * ClusterSize + 100, 1);
        var lostData = Pattern(2 * ClusterSize, 2);
        using (var pool = Pool.Open("/sim", options))
        {
            pool.CreateVolume("v", 1 << 20);
            using var h = pool.Open("v");
            h.Write(1000, durableData);
            h.Flush();
            h.Write(100_000, lostData);
            storage.FailSyncAfter = 1;
            var flushError = Assert.Throws<RewindException>(() => h.Flush());
            Assert.Equal(ErrorKind.IO, flushError.Kind);
            var writeError = Assert.Throws<RewindException>(() => h.Write(0, new byte[10]));
            Assert.Equal(ErrorKind.IO, writeError.Kind);
            Assert.Contains("refuses writes", writeError.Message);
            Assert.Equal(ErrorKind.IO, Assert.Throws<RewindException>(() => pool.CreateSnapshot("v", "s")).Kind);
            Assert.Equal(ErrorKind.IO, Assert.Throws<RewindException>(() => h.Flush()).Kind);
        }
        var afterCrash = storage.Crash(new Random(5));
        using (var pool = Pool.Open("/sim", Options(afterCrash)))
        {
            var back = new byte[durableData.Length];
            using var h = pool.Open("v");
            h.Read(1000, back);
            Assert.Equal(durableData, back);
            var lostBack = new byte[lostData.Length];
            h.Read(100_000, lostBack);
            Assert.True(lostBack.AsSpan().SequenceEqual(lostData) || lostBack.AsSpan().IndexOfAnyExcept((byte)0) < 0,
                "the write whose flush failed must be either wholly there or wholly absent");
            Assert.Empty(pool.ListSnapshots("v"));
            ModelChecks.ScrubIsClean(pool, "after reopening a pool whose flush failed");
            h.Write(0, durableData);
            h.Flush();
        }
    }

    internal static byte[] Pattern(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }
}
