using System.Buffers.Binary;
using Rewind.Engine.Storage;
using Rewind.Engine.Tests.Support;
using Xunit.Abstractions;

namespace Rewind.Engine.Tests;

/// <summary>
/// Group snapshots across pools: one instant for every member, dependent-write consistent, and after a
/// power cut present in every member or in none. Holds and group rollback.
/// </summary>
public class GroupSnapshotTests(ITestOutputHelper output)
{
    private const int Cluster = 4096;

    private static PoolOptions Sim(IStorage storage) => new() { Storage = storage, ClusterSize = Cluster, BackgroundWork = false };

    [Fact]
    public void AGroupSnapshotAcrossTwoPoolsIsInEveryMemberWithWhoWhyAndGroup()
    {
        using var dirA = new TempDirectory();
        using var dirB = new TempDirectory();
        using (var fast = Pool.Open(dirA.Path, new PoolOptions()))
        using (var slow = Pool.Open(dirB.Path, new PoolOptions()))
        {
            fast.CreateVolume("os", 1 << 20);
            slow.CreateVolume("data", 1 << 20);
            slow.CreateVolume("logs", 1 << 20);
            using (var h = fast.Open("os")) h.Write(0, Filled(4096, 7));
            var meta = new SnapshotMeta { CreatedBy = "alice", Reason = "before upgrade", Group = "web", ApplicationConsistent = true };
            var result = Pool.SnapshotGroup([new(fast, "os"), new(slow, "data"), new(slow, "logs")], "pre", meta);
            Assert.Equal(3, result.Snapshots.Count);
            Assert.True(result.Pause > TimeSpan.Zero);
            output.WriteLine($"pause {result.Pause.TotalMilliseconds:F3} ms");
            using (var h = fast.Open("os")) h.Write(0, Filled(4096, 9));
            Assert.Equal(Filled(4096, 7), ReadAll(fast, "os@pre", 4096));
        }
        // Reopened from the journal, then from a checkpoint: the same snapshots with the same records.
        for (int round = 0; round < 2; round++)
        {
            using var fast = Pool.Open(dirA.Path, new PoolOptions());
            using var slow = Pool.Open(dirB.Path, new PoolOptions());
            Assert.Empty(Pool.ResolveGroupCuts([fast, slow]));
            var snaps = fast.ListSnapshots().Concat(slow.ListSnapshots()).ToList();
            Assert.Equal(["os@pre", "data@pre", "logs@pre"], snaps.Select(s => s.FullName));
            Assert.All(snaps, s =>
            {
                Assert.Equal("alice", s.CreatedBy);
                Assert.Equal("before upgrade", s.Reason);
                Assert.Equal("web", s.Group);
                Assert.True(s.ApplicationConsistent);
            });
            Assert.Equal(Filled(4096, 7), ReadAll(fast, "os@pre", 4096));
            Assert.True(fast.Scrub().Clean);
            Assert.True(slow.Scrub().Clean);
        }
    }

    [Fact]
    public void AGroupSnapshotIsRefusedWholeWhenOneMemberCannotTakeIt()
    {
        using var a = Pool.Open("/a", Sim(new SimulatedStorage()));
        using var b = Pool.Open("/b", Sim(new SimulatedStorage()));
        a.CreateVolume("x", 1 << 20);
        b.CreateVolume("y", 1 << 20);
        b.CreateSnapshot("y", "taken");
        var e = Assert.Throws<RewindException>(() => Pool.SnapshotGroup([new(a, "x"), new(b, "y")], "taken"));
        Assert.Equal(ErrorKind.AlreadyExists, e.Kind);
        Assert.Contains("y@taken", e.Message);
        Assert.Empty(a.ListSnapshots());
        var missing = Assert.Throws<RewindException>(() => Pool.SnapshotGroup([new(a, "x"), new(b, "nope")], "s"));
        Assert.Equal(ErrorKind.NotFound, missing.Kind);
        Assert.Empty(a.ListSnapshots());
    }

    /// <summary>
    /// One writer appends sequence-numbered records alternately to a volume in each pool, each only after
    /// the previous was acknowledged, while group snapshots are taken back to back. Each snapshot must hold
    /// records 1..k with no gap, k at least what was acknowledged before the call and at most what was
    /// issued by its return.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void EveryGroupSnapshotHoldsAGapFreePrefixOfDependentWrites(int seed)
    {
        const int Records = 3000, RecordSize = 512;
        using var a = Pool.Open("/a", Sim(new SimulatedStorage()) with { BackgroundWork = true });
        using var b = Pool.Open("/b", Sim(new SimulatedStorage()) with { BackgroundWork = true });
        long size = (long)Records * RecordSize;
        a.CreateVolume("left", size);
        b.CreateVolume("right", size);
        long issued = 0, acknowledged = 0;
        var writer = new Thread(() =>
        {
            var random = new Random(seed);
            using var left = a.Open("left");
            using var right = b.Open("right");
            var record = new byte[RecordSize];
            for (long seq = 1; seq <= Records; seq++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(record, seq);
                random.NextBytes(record.AsSpan(8));
                Volatile.Write(ref issued, seq);
                (seq % 2 == 1 ? left : right).Write((seq - 1) / 2 * RecordSize, record);
                Volatile.Write(ref acknowledged, seq);
            }
        });
        writer.Start();
        var taken = new List<(string Name, long AckedBefore, long IssuedAfter)>();
        for (int i = 0; writer.IsAlive; i++)
        {
            long acked = Volatile.Read(ref acknowledged);
            Pool.SnapshotGroup([new(a, "left"), new(b, "right")], $"g{i}");
            taken.Add(($"g{i}", acked, Volatile.Read(ref issued)));
        }
        writer.Join();
        Assert.True(taken.Count >= 3, $"only {taken.Count} group snapshots were taken while writing");
        int inTheMiddle = 0;
        foreach (var (name, ackedBefore, issuedAfter) in taken)
        {
            var present = Sequences(a, $"left@{name}", size / 2).Concat(Sequences(b, $"right@{name}", size / 2)).Order().ToList();
            long k = present.Count;
            for (int i = 0; i < present.Count; i++)
                Assert.True(present[i] == i + 1, $"seed {seed}: group snapshot {name} holds record {present[i]} but lacks {i + 1}");
            Assert.InRange(k, ackedBefore, issuedAfter);
            if (k > 0 && k < Records) inTheMiddle++;
        }
        output.WriteLine($"seed {seed}: {taken.Count} group snapshots, {inTheMiddle} of them mid-stream");
        Assert.True(inTheMiddle > 0, "no group snapshot landed in the middle of the writes");
    }

    /// <summary>
    /// Two pools on one power line: the power goes at a random storage call during a run of group
    /// snapshots. After reopening both and resolving, each group snapshot is in both pools or in neither,
    /// and every one that returned before the cut is in both.
    /// </summary>
    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void AGroupSnapshotCutByPowerLossIsInEveryPoolOrInNone(int seed)
    {
        int decidedBoth = 0, decidedNone = 0;
        for (int iteration = 0; iteration < 60; iteration++)
        {
            var random = new Random(seed * 1000 + iteration);
            var line = new PowerLine(0, new Random(random.Next()));
            var storageA = new CrashingStorage(new SimulatedStorage(), line);
            var storageB = new CrashingStorage(new SimulatedStorage(), line);
            var a = Pool.Open("/a", Sim(storageA));
            var b = Pool.Open("/b", Sim(storageB));
            a.CreateVolume("x", 1 << 20);
            b.CreateVolume("y", 1 << 20);
            b.CreateVolume("z", 1 << 20);
            int crashAt = random.Next(1, 90);
            line.Arm(crashAt);
            var returned = new List<string>();
            try
            {
                for (int i = 0; i < 8; i++)
                {
                    using (var h = a.Open("x")) h.Write(i * Cluster, Filled(Cluster, (byte)(i + 1)));
                    Pool.SnapshotGroup([new(a, "x"), new(b, "y"), new(b, "z")], $"s{i}");
                    returned.Add($"s{i}");
                }
                line.CutAll();
            }
            catch (CrashingStorage.PowerCut) { }
            catch (RewindException e) when (line.IsCut)
            {
                output.WriteLine($"iteration {iteration}: failed by the cut: {e.Message}");
            }
            try { a.Dispose(); } catch (Exception e) when (e is CrashingStorage.PowerCut or RewindException) { }
            try { b.Dispose(); } catch (Exception e) when (e is CrashingStorage.PowerCut or RewindException) { }

            string where = $"seed {seed} iteration {iteration} (power cut at call {crashAt}, {returned.Count} returned)";
            using var ra = Pool.Open("/a", Sim(storageA.AfterCrash!));
            using var rb = Pool.Open("/b", Sim(storageB.AfterCrash!));
            Assert.DoesNotContain(Pool.ResolveGroupCuts([ra, rb]), o => o.Fate == GroupCutFate.Undecided);
            Assert.Empty(ra.PendingGroupCuts());
            Assert.Empty(rb.PendingGroupCuts());
            var inA = ra.ListSnapshots("x").Select(s => s.Name).ToHashSet();
            var inY = rb.ListSnapshots("y").Select(s => s.Name).ToHashSet();
            var inZ = rb.ListSnapshots("z").Select(s => s.Name).ToHashSet();
            Assert.True(inA.SetEquals(inY) && inY.SetEquals(inZ), $"{where}: x has [{string.Join(",", inA)}], y [{string.Join(",", inY)}], z [{string.Join(",", inZ)}]");
            foreach (var name in returned) Assert.True(inA.Contains(name), $"{where}: {name} returned before the cut but is gone");
            Assert.True(inA.Count <= returned.Count + 1, $"{where}: more snapshots than were attempted");
            if (inA.Count > returned.Count) decidedBoth++; else decidedNone++;
            foreach (var name in inA)
            {
                int i = int.Parse(name[1..]);
                Assert.Equal(Filled(Cluster, (byte)(i + 1)), ReadAll(ra, $"x@{name}", Cluster, i * Cluster));
            }
            Assert.True(ra.Scrub().Clean && rb.Scrub().Clean, $"{where}: scrub found problems");
        }
        output.WriteLine($"seed {seed}: interrupted cut kept in both {decidedBoth} times, dropped from both {decidedNone} times");
    }

    [Fact]
    public void ACutNamingAPoolThatIsNotAvailableStaysHiddenUntilThatPoolIsBack()
    {
        // Reopen only pool a with its pending cut from an image taken between prepare and resolve.
        var imageA = StorageWithPendingCut(out var imageB);
        using var onlyA = Pool.Open("/a", Sim(imageA));
        var outcome = Assert.Single(Pool.ResolveGroupCuts([onlyA]));
        Assert.Equal(GroupCutFate.Undecided, outcome.Fate);
        Assert.DoesNotContain(onlyA.ListSnapshots("x"), s => s.Name == "g");
        Assert.Throws<RewindException>(() => onlyA.Open("x@g"));
        using var withB = Pool.Open("/b", Sim(imageB));
        Assert.Equal(GroupCutFate.Kept, Assert.Single(Pool.ResolveGroupCuts([onlyA, withB])).Fate);
        Assert.Contains(onlyA.ListSnapshots("x"), s => s.Name == "g");
        Assert.Contains(withB.ListSnapshots("y"), s => s.Name == "g");
    }

    /// <summary>Two pool images whose group cut "g" is prepared (durably) in both and resolved in neither.</summary>
    private static SimulatedStorage StorageWithPendingCut(out SimulatedStorage imageB)
    {
        for (int crashAt = 1; crashAt < 100; crashAt++)
        {
            var line = new PowerLine(0, new Random(crashAt));
            var sa = new CrashingStorage(new SimulatedStorage(), line);
            var sb = new CrashingStorage(new SimulatedStorage(), line);
            var a = Pool.Open("/a", Sim(sa));
            var b = Pool.Open("/b", Sim(sb));
            a.CreateVolume("x", 1 << 20);
            b.CreateVolume("y", 1 << 20);
            line.Arm(crashAt);
            try { Pool.SnapshotGroup([new(a, "x"), new(b, "y")], "g"); line.CutAll(); }
            catch (Exception e) when (e is CrashingStorage.PowerCut or RewindException) { }
            try { a.Dispose(); } catch (Exception e) when (e is CrashingStorage.PowerCut or RewindException) { }
            try { b.Dispose(); } catch (Exception e) when (e is CrashingStorage.PowerCut or RewindException) { }
            using var ra = Pool.Open("/a", Sim(CopyOf(sa.AfterCrash!)));
            using var rb = Pool.Open("/b", Sim(CopyOf(sb.AfterCrash!)));
            if (ra.PendingGroupCuts().Count == 1 && rb.PendingGroupCuts().Count == 1)
            {
                imageB = CopyOf(sb.AfterCrash!);
                return CopyOf(sa.AfterCrash!);
            }
        }
        throw new InvalidOperationException("no power-cut point left the cut prepared in both pools and resolved in neither");
    }

    private static SimulatedStorage CopyOf(SimulatedStorage s) => s.Crash(new Random(0));

    [Fact]
    public void AHeldSnapshotCannotBeDeletedUntilEveryHoldIsReleased()
    {
        var storage = new SimulatedStorage();
        using (var pool = Pool.Open("/p", Sim(storage)))
        {
            pool.CreateVolume("vm", 1 << 20);
            pool.CreateSnapshot("vm", "baseline");
            pool.Hold("vm", "baseline", "keep");
            pool.Hold("vm", "baseline", "audit");
            Assert.Equal(ErrorKind.AlreadyExists, Assert.Throws<RewindException>(() => pool.Hold("vm", "baseline", "keep")).Kind);
            var e = Assert.Throws<RewindException>(() => pool.DeleteSnapshot("vm", "baseline", force: true));
            Assert.Equal(ErrorKind.Busy, e.Kind);
            Assert.Contains("held (keep, audit)", e.Message);
            Assert.Contains("rewind release vm@baseline", e.Message);
            Assert.Equal(ErrorKind.Busy, Assert.Throws<RewindException>(() => pool.DeleteVolume("vm", recursive: true, force: true)).Kind);
            pool.Release("vm", "baseline", "keep");
        }
        using (var pool = Pool.Open("/p", Sim(storage)))
        {
            Assert.Equal(["audit"], pool.GetSnapshot("vm", "baseline").Holds);
            Assert.Equal(ErrorKind.NotFound, Assert.Throws<RewindException>(() => pool.Release("vm", "baseline", "keep")).Kind);
            pool.Release("vm", "baseline", "audit");
            pool.DeleteSnapshot("vm", "baseline");
            Assert.Empty(pool.ListSnapshots("vm"));
        }
    }

    [Fact]
    public void AGroupRollbackIsAllOrNothingAndRefusedWhileAMemberIsOpen()
    {
        using var a = Pool.Open("/a", Sim(new SimulatedStorage()));
        using var b = Pool.Open("/b", Sim(new SimulatedStorage()));
        a.CreateVolume("x", 1 << 20);
        b.CreateVolume("y", 1 << 20);
        Pool.SnapshotGroup([new(a, "x"), new(b, "y")], "clean");
        using (var h = a.Open("x")) h.Write(0, Filled(Cluster, 1));
        using (var h = b.Open("y")) h.Write(0, Filled(Cluster, 2));
        using (b.Open("y"))
        {
            var e = Assert.Throws<RewindException>(() => Pool.RollbackGroup([new(a, "x"), new(b, "y")], "clean"));
            Assert.Equal(ErrorKind.Busy, e.Kind);
            Assert.Contains("'y'", e.Message);
            Assert.Equal(Filled(Cluster, 1), ReadAll(a, "x", Cluster));
        }
        Pool.RollbackGroup([new(a, "x"), new(b, "y")], "clean");
        Assert.Equal(new byte[Cluster], ReadAll(a, "x", Cluster));
        Assert.Equal(new byte[Cluster], ReadAll(b, "y", Cluster));
    }

    private static IEnumerable<long> Sequences(Pool pool, string target, long length)
    {
        var bytes = ReadAll(pool, target, (int)length);
        for (int off = 0; off < bytes.Length; off += 512)
        {
            long seq = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(off));
            if (seq != 0) yield return seq;
        }
    }

    private static byte[] ReadAll(Pool pool, string target, int length, long offset = 0)
    {
        using var h = pool.Open(target, readOnly: true);
        var buffer = new byte[length];
        h.Read(offset, buffer);
        return buffer;
    }

    private static byte[] Filled(int n, byte value) => Enumerable.Repeat(value, n).ToArray();
}
