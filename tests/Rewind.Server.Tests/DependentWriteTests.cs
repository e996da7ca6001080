using System.Diagnostics;
using Rewind.Server.Tests.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Rewind.Server.Tests;

/// <summary>
/// Issue 4's proof of group snapshots end to end: a real NBD client (libnbd) writes sequence-numbered
/// records alternately to a volume in the default pool and one in pool "fast", each write only after the
/// previous was acknowledged, while the control API takes group snapshots of both every few milliseconds.
/// Every group snapshot must hold a gap-free prefix 1..k of the records, with k at least what was
/// acknowledged before the request and at most what was issued by its answer — also when the daemon is
/// SIGKILLed in the middle of group snapshots, where each one must then exist in both members or in none.
/// </summary>
public sealed class DependentWriteTests(ITestOutputHelper output)
{
    private const long VolumeBytes = 32L << 20;
    private const long WriterCapacity = 2 * VolumeBytes / NbdSequenceWriter.RecordBytes;
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private sealed record Members(string Group, string Left, string Right);

    [Theory]
    [InlineData(4001)]
    public async Task EveryGroupSnapshotAcrossTwoPoolsHoldsAGapFreePrefixOfAnNbdClientsDependentWrites(int seed)
    {
        output.WriteLine($"seed {seed}");
        var root = Directory.CreateTempSubdirectory("rewind-dw-");
        string defaultPool = Path.Combine(root.FullName, "default");
        try
        {
            await using var daemon = await Daemon.StartAsync(new ServeOptions { PoolDirectory = defaultPool, NbdListen = null });
            using var api = new SiteClient(Path.Combine(defaultPool, "api.sock"));
            await api.AddPoolAsync("fast", Path.Combine(root.FullName, "fast"));
            var members = await CreateGroupAsync(api, "app", "left", "fast/right");

            using var writer = NbdSequenceWriter.Start(Path.Combine(defaultPool, "nbd.sock"), members.Left, members.Right, WriterCapacity, seed, root.FullName);
            await writer.WaitUntilAcknowledgedAsync(1, Generous);
            var loop = new GroupSnapshotLoop(api, members.Group, writer, new Random(seed));
            var running = Stopwatch.StartNew();
            // A couple of seconds of snapshots, and enough of them to mean something on a slow machine.
            await loop.RunAsync(() => running.Elapsed < Generous && (running.Elapsed < TimeSpan.FromSeconds(2) || loop.AcknowledgedCount < 30));
            output.WriteLine($"writer: {await writer.StopAsync()}");
            long written = writer.Acknowledged;

            var refused = loop.Attempts.FirstOrDefault(a => a.Outcome != AttemptOutcome.Acknowledged);
            Assert.True(refused == null, $"seed {seed}: group snapshot {refused?.Name} was not acknowledged: {refused?.Error}");
            int midStream = 0;
            foreach (var attempt in loop.Attempts)
            {
                long held = await AssertGapFreePrefixAsync(api, members, attempt, attempt.IssuedAfter, seed);
                if (held > 0 && held < written) midStream++;
            }
            output.WriteLine($"{written} records written in {running.Elapsed.TotalSeconds:F1} s; {loop.Attempts.Count} group snapshots taken " +
                             $"({Latencies(loop.Attempts)}), {midStream} of them mid-stream, each a gap-free prefix");
            Assert.True(midStream >= 10, $"seed {seed}: only {midStream} of {loop.Attempts.Count} group snapshots landed in the middle of the writes");
        }
        finally { root.Delete(recursive: true); }
    }

    /// <summary>
    /// Five rounds, each on a fresh group: the writer and the snapshot loop run against `rewind serve` as
    /// its own process, which is SIGKILLed at a random moment while a group snapshot request is being
    /// served, then restarted. The group snapshot cut short must be in both members or in neither, every
    /// one the API acknowledged must be in both (also those of earlier rounds), and every survivor must
    /// hold a gap-free prefix.
    /// </summary>
    [Theory]
    [InlineData(4101)]
    public async Task AGroupSnapshotCutShortBySigkillOfTheDaemonIsInBothPoolsOrInNeitherAndEverySurvivorIsAGapFreePrefix(int seed)
    {
        const int Kills = 5;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var root = Directory.CreateTempSubdirectory("rewind-dw-kill-");
        string defaultPool = Path.Combine(root.FullName, "default");
        ServeProcess? daemon = null;
        SiteClient? api = null;
        var acknowledgedEarlier = new List<(Members Members, string Snapshot)>();
        int taken = 0, interruptedKept = 0, interruptedGone = 0, recoveredKept = 0, recoveredDropped = 0, recoveriesSeen = 0;
        try
        {
            daemon = await ServeProcess.StartAsync(defaultPool, Generous);
            api = new SiteClient(daemon.ApiSocket);
            await api.AddPoolAsync("fast", Path.Combine(root.FullName, "fast"));
            for (int round = 1; round <= Kills; round++)
            {
                var members = await CreateGroupAsync(api, $"app{round}", $"left{round}", $"fast/right{round}");
                using var writer = NbdSequenceWriter.Start(daemon.NbdSocket, members.Left, members.Right, WriterCapacity, seed * 100 + round, root.FullName);
                await writer.WaitUntilAcknowledgedAsync(1, Generous);
                var loop = new GroupSnapshotLoop(api, members.Group, writer, new Random(random.Next()));
                int killAfterMs = random.Next(100, 1500);
                var snapshots = Task.Run(() => loop.RunAsync(() => true));
                await Task.Delay(killAfterMs);
                // Kill while the daemon is serving a group snapshot request, not in the gap between two.
                while (!loop.InFlight && !snapshots.IsCompleted) await Task.Delay(1);
                Assert.False(snapshots.IsCompleted, $"seed {seed} round {round}: the snapshot loop stopped before the kill: {loop.Attempts.LastOrDefault()?.Error}");
                daemon.Kill();
                await snapshots.WaitAsync(Generous);
                string writerEnd = await writer.WaitForExitAsync(Generous);
                long issued = writer.Issued;
                api.Dispose();
                daemon.Dispose();

                daemon = await ServeProcess.StartAsync(defaultPool, Generous);
                api = new SiteClient(daemon.ApiSocket);
                var cutShort = loop.Attempts[^1];
                string where = $"seed {seed} round {round} (killed {killAfterMs} ms in, during {cutShort.Name})";
                Assert.True(cutShort.Outcome == AttemptOutcome.Interrupted, $"{where}: the last request ended {cutShort.Outcome}: {cutShort.Error}");
                var acknowledged = loop.Attempts.Where(a => a.Outcome == AttemptOutcome.Acknowledged).ToList();
                Assert.True(acknowledged.Count == loop.Attempts.Count - 1,
                    $"{where}: a request was refused: {loop.Attempts.FirstOrDefault(a => a.Outcome == AttemptOutcome.Refused)?.Error}");

                var inLeft = await api.SnapshotNamesAsync(members.Left);
                var inRight = await api.SnapshotNamesAsync(members.Right);
                Assert.True(inLeft.SetEquals(inRight),
                    $"{where}: {members.Left} has [{string.Join(",", inLeft.Order())}] but {members.Right} has [{string.Join(",", inRight.Order())}]");
                foreach (var a in acknowledged) Assert.True(inLeft.Contains(a.Name), $"{where}: {a.Name} was acknowledged (201) before the kill but is gone");
                var unknown = inLeft.Except(loop.Attempts.Select(a => a.Name)).ToList();
                Assert.True(unknown.Count == 0, $"{where}: snapshots nobody asked for: {string.Join(",", unknown)}");
                foreach (var earlier in acknowledgedEarlier)
                {
                    Assert.Contains(earlier.Snapshot, await api.SnapshotNamesAsync(earlier.Members.Left));
                    Assert.Contains(earlier.Snapshot, await api.SnapshotNamesAsync(earlier.Members.Right));
                }

                foreach (var a in loop.Attempts.Where(a => inLeft.Contains(a.Name)))
                    await AssertGapFreePrefixAsync(api, members, a, a.Outcome == AttemptOutcome.Acknowledged ? a.IssuedAfter : issued, seed, where);

                bool kept = inLeft.Contains(cutShort.Name);
                if (kept) interruptedKept++; else interruptedGone++;
                var recoveries = (await api.AuditAsync()).Where(e => e.GetProperty("operation").GetString() == "group.recover").ToList();
                var fresh = recoveries.Skip(recoveriesSeen).Select(e => e.GetProperty("result").GetString()).ToList();
                recoveriesSeen = recoveries.Count;
                recoveredKept += fresh.Count(r => r == "kept");
                recoveredDropped += fresh.Count(r => r == "dropped");
                Assert.DoesNotContain("undecided", fresh);
                taken += acknowledged.Count;
                acknowledgedEarlier.AddRange(acknowledged.Select(a => (members, a.Name)));
                output.WriteLine($"round {round}: killed {killAfterMs} ms in during {cutShort.Name} after {acknowledged.Count} acknowledged " +
                                 $"({Latencies(acknowledged)}); {cutShort.Name} {(kept ? "kept in both" : "in neither")}; " +
                                 $"audit group.recover: [{string.Join(", ", fresh)}]; writer {writerEnd}");
            }

            Assert.Null(await api.ScrubProblemsAsync("default"));
            Assert.Null(await api.ScrubProblemsAsync("fast"));
            var (exitCode, stopOutput) = await daemon.StopAsync(Generous);
            Assert.True(exitCode == 0, $"rewind serve exited {exitCode} on SIGTERM: {stopOutput}");
            output.WriteLine($"{Kills} kills; {taken} group snapshots acknowledged, all in both pools with gap-free prefixes; " +
                             $"cut short by the kill: {interruptedKept} kept in both, {interruptedGone} in neither; " +
                             $"settled at restart (audit group.recover): {recoveredKept} kept, {recoveredDropped} dropped");
        }
        finally
        {
            api?.Dispose();
            daemon?.Dispose();
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public void TheCheckerAcceptsAGapFreePrefixAndNamesTheFirstGapOrAMisplacedRecord()
    {
        static (byte[] Left, byte[] Right) Volumes(params long[] records)
        {
            var left = new byte[8 * NbdSequenceWriter.RecordBytes];
            var right = new byte[8 * NbdSequenceWriter.RecordBytes];
            foreach (long seq in records)
                System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(
                    (seq % 2 == 1 ? left : right).AsSpan((int)((seq - 1) / 2) * NbdSequenceWriter.RecordBytes), seq);
            return (left, right);
        }

        var (left, right) = Volumes(1, 2, 3, 4, 5);
        Assert.Equal(new SequencePrefix(5, 5, null), SequencePrefix.Of(left, right));
        Assert.Equal(new SequencePrefix(0, 0, null), SequencePrefix.Of(new byte[4096], new byte[4096]));

        (left, right) = Volumes(1, 2, 4, 5, 6);
        var gap = SequencePrefix.Of(left, right);
        Assert.False(gap.IsGapFree);
        Assert.Contains("record 3 (left slot 1) is missing", gap.Problem);

        (left, right) = Volumes(1, 2);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(right.AsSpan(NbdSequenceWriter.RecordBytes), 3);
        Assert.Contains("right slot 1 holds record 3, but only record 4", SequencePrefix.Of(left, right).Problem);
    }

    private static async Task<Members> CreateGroupAsync(SiteClient api, string group, string left, string right)
    {
        await api.CreateVolumeAsync(left, VolumeBytes);
        await api.CreateVolumeAsync(right, VolumeBytes);
        await api.CreateGroupAsync(group, left, right);
        return new Members(group, left, right);
    }

    /// <summary>
    /// Reads the group snapshot's members as far as record <paramref name="issuedBound"/> could reach (to the
    /// next cluster) and checks they hold records 1..k with no gap, with k between what was acknowledged
    /// before the request and <paramref name="issuedBound"/>, and that nothing at all lies further on.
    /// Returns k.
    /// </summary>
    private static async Task<long> AssertGapFreePrefixAsync(SiteClient api, Members members, GroupSnapshotAttempt attempt, long issuedBound, int seed,
        string? where = null)
    {
        string left = $"{members.Left}@{attempt.Name}", right = $"{members.Right}@{attempt.Name}";
        string what = $"{where ?? $"seed {seed}"}: group snapshot {members.Group}@{attempt.Name}";
        int cluster = await api.ClusterBytesAsync(left);
        long reach = (SequencePrefix.BytesPerVolumeFor(issuedBound) + cluster - 1) / cluster * cluster;
        int length = (int)Math.Min(VolumeBytes, reach);
        byte[] leftBytes = await api.ReadAsync(left, length), rightBytes = await api.ReadAsync(right, length);
        var held = SequencePrefix.Of(leftBytes, rightBytes);
        if (!held.IsGapFree) throw new XunitException($"{what} {held.Problem}");
        if (held.Count < attempt.AcknowledgedBefore || held.Count > issuedBound)
            throw new XunitException($"{what} holds records 1..{held.Count}, but {attempt.AcknowledgedBefore} were acknowledged before " +
                                     $"it was asked for and only {issuedBound} issued by its answer");
        if (length < VolumeBytes)
            foreach (var target in new[] { left, right })
                if (await api.HoldsDataFromAsync(target, length))
                    throw new XunitException($"{what}: {target} holds data beyond byte {length}, where only records issued after record {issuedBound} go");
        return held.Count;
    }

    private static string Latencies(IReadOnlyList<GroupSnapshotAttempt> attempts)
    {
        if (attempts.Count == 0) return "none";
        static string Spread(IEnumerable<double> values)
        {
            var ms = values.Order().ToList();
            return $"p50 {ms[ms.Count / 2]:F1} ms, max {ms[^1]:F1} ms";
        }
        string requests = $"request {Spread(attempts.Select(a => a.Latency.TotalMilliseconds))}";
        var pauses = attempts.Where(a => a.WriterPause != null).Select(a => a.WriterPause!.Value.TotalMilliseconds).ToList();
        return pauses.Count == 0 ? requests : $"{requests}; writers paused {Spread(pauses)}";
    }
}
