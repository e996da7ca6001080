using System.Diagnostics;
using Rewind.Engine.Journal;

namespace Rewind.Engine;

/// <summary>
/// Operations on several volumes at one instant, possibly across pools: group snapshots, group
/// rollbacks, and the holds that keep snapshots from deletion.
///
/// The cut: every pool's <c>_lock</c> is taken, in pool-id order (so two cuts never deadlock), and
/// only then is any snapshot made. Each write installs its map entries under its pool's lock and is
/// acknowledged after, so while all the locks are held no member's content changes: the snapshots hold
/// every write acknowledged before the call, none issued after it returned, and they are
/// dependent-write consistent (a write that waited for another's acknowledgement cannot be in the cut
/// without it). Writers wait only for that instant; nothing is copied and nothing is flushed under it.
///
/// Across a crash, a cut spanning pools is a two-phase commit without a coordinator log. Phase one
/// writes, in each pool, one GroupPrepare record holding that pool's member snapshots marked pending
/// (invisible) together with the ids of every pool in the cut, and makes it durable. Once every pool has
/// it, the cut is decided: phase two marks the snapshots visible (GroupResolve). After a crash,
/// <see cref="ResolveGroupCuts"/> looks at all the pools: a cut that every one of its pools holds stands,
/// any other is dropped everywhere. So a group snapshot exists in every member or in none.
/// </summary>
public sealed partial class Pool
{
    /// <summary>
    /// Snapshots every member volume at one instant as <paramref name="snapshot"/>. Durable and visible
    /// in every member when it returns; after a crash, in every member or in none.
    /// </summary>
    public static GroupSnapshotResult SnapshotGroup(IReadOnlyList<GroupMember> members, string snapshot, SnapshotMeta? meta = null)
    {
        Names.Validate(snapshot, "snapshot");
        if (members.Count == 0) throw new RewindException(ErrorKind.InvalidArgument, "a group snapshot needs at least one member volume");
        var byPool = GroupByPool(members);
        string cutId = Guid.NewGuid().ToString("N");
        bool pending = byPool.Count > 1;
        meta = (meta ?? SnapshotMeta.None) with
        {
            GroupCut = cutId,
            GroupPools = byPool.Select(g => g.Pool.PoolId.ToString("N")).ToList(),
        };
        var pause = LockAll(byPool, () =>
        {
            foreach (var (pool, _) in byPool) pool.CheckWritable();
            foreach (var m in members) m.Pool.ValidateSnapshotTarget(m.Volume, snapshot); // in the group's order
            long now = byPool[0].Pool.NowMilliseconds();
            foreach (var (pool, volumes) in byPool) pool.PrepareCut(volumes, snapshot, cutId, meta, pending, now);
        });
        try
        {
            ForEachPool(byPool, pool => pool.Commit());
        }
        catch
        {
            // Undecided: some pool may lack its prepare. Drop the cut wherever it is still in memory.
            foreach (var (pool, _) in byPool)
                try { pool.ResolveCut(cutId, stand: false); } catch (RewindException) { }
            throw;
        }
        if (pending) ForEachPool(byPool, pool => pool.ResolveCut(cutId, stand: true));
        var infos = new List<SnapshotInfo>();
        foreach (var m in members)
            lock (m.Pool._lock) infos.Add(m.Pool.DescribeNew(m.Pool.FindSnapshot(m.Volume, snapshot)));
        return new GroupSnapshotResult(infos, pause, cutId);
    }

    /// <summary>
    /// Rolls every member back to its snapshot <paramref name="snapshot"/> at one instant. Refused, with
    /// nothing changed, when any member lacks the snapshot or is open (unless <paramref name="force"/>).
    /// Each pool's part is atomic; a crash between pools leaves some members rolled back, and running the
    /// rollback again finishes it.
    /// </summary>
    public static void RollbackGroup(IReadOnlyList<GroupMember> members, string snapshot, bool force = false) =>
        OnEverySnapshot(members, snapshot,
            check: snap =>
            {
                if (snap.Volume.OpenHandles > 0 && !force)
                    throw Busy($"volume '{snap.Volume.Name}' is open {snap.Volume.OpenHandles} time(s) (e.g. by an NBD client); disconnect it first or pass --force");
            },
            apply: (pool, snap) =>
            {
                Record.EncodeCommon(pool._journalBuffer, RecordType.Rollback, ++pool._lastSeq, snap.Volume.Id, snap.Id);
                pool.ApplyRollback(snap.Volume, snap);
            });

    /// <summary>
    /// Deletes snapshot <paramref name="snapshot"/> of every member. Refused, with nothing deleted, when a
    /// member lacks it, holds it, or has it open (unless <paramref name="force"/>).
    /// </summary>
    public static void DeleteSnapshotGroup(IReadOnlyList<GroupMember> members, string snapshot, bool force = false) =>
        OnEverySnapshot(members, snapshot,
            check: snap =>
            {
                CheckNotHeld(snap);
                if (snap.OpenHandles > 0 && !force)
                    throw Busy($"snapshot '{snap.Volume.Name}@{snapshot}' is open {snap.OpenHandles} time(s); disconnect them or pass --force");
            },
            apply: (pool, snap) =>
            {
                Record.EncodeCommon(pool._journalBuffer, RecordType.DeleteSnapshot, ++pool._lastSeq, snap.Id);
                pool.ApplyDeleteSnapshot(snap);
            });

    /// <summary>
    /// Under every member pool's lock: checks each member's snapshot, and only when all pass, applies the
    /// change to each; then commits every pool. Nothing changes anywhere when one check fails.
    /// </summary>
    private static void OnEverySnapshot(IReadOnlyList<GroupMember> members, string snapshot,
        Action<Snapshot> check, Action<Pool, Snapshot> apply)
    {
        var byPool = GroupByPool(members);
        LockAll(byPool, () =>
        {
            foreach (var (pool, _) in byPool) pool.CheckWritable();
            // In the group's own order, so the refusal names the same member whatever the pool ids are.
            foreach (var m in members) check(m.Pool.FindSnapshot(m.Volume, snapshot));
            foreach (var (pool, volumes) in byPool)
                foreach (var v in volumes) apply(pool, pool.FindSnapshot(v, snapshot));
        });
        ForEachPool(byPool, pool => { pool.Commit(); pool.WakeBackground(); });
    }

    /// <summary>
    /// Settles the group cuts a crash left undecided, given every pool that is available. A cut stands if
    /// each of its pools holds it, and is dropped everywhere if an available pool lacks it. A cut naming a
    /// pool that is not among <paramref name="pools"/> stays pending. Returns what became of each cut.
    /// </summary>
    public static IReadOnlyList<GroupCutOutcome> ResolveGroupCuts(IReadOnlyList<Pool> pools)
    {
        var twins = pools.GroupBy(p => p.PoolId).FirstOrDefault(g => g.Count() > 1);
        if (twins != null)
            throw new RewindException(ErrorKind.InvalidArgument,
                $"pools {string.Join(" and ", twins.Select(p => p.Directory))} have the same id {twins.Key:N}: one is a copy of the other; serve only one of them");
        var byId = pools.ToDictionary(p => p.PoolId.ToString("N"));
        var outcomes = new List<GroupCutOutcome>();
        foreach (var cut in pools.SelectMany(p => p.PendingGroupCuts()).DistinctBy(c => c.CutId).ToList())
        {
            var missing = cut.Pools.Where(id => !byId.ContainsKey(id)).ToList();
            var present = cut.Pools.Where(byId.ContainsKey).Select(id => byId[id]).ToList();
            bool everyPoolHoldsIt = missing.Count == 0 && present.All(p => p.HoldsCut(cut.CutId));
            bool someAvailablePoolLacksIt = present.Any(p => !p.HoldsCut(cut.CutId));
            if (everyPoolHoldsIt || someAvailablePoolLacksIt)
                foreach (var p in present) p.ResolveCut(cut.CutId, stand: everyPoolHoldsIt);
            outcomes.Add(new GroupCutOutcome(cut, everyPoolHoldsIt ? GroupCutFate.Kept : someAvailablePoolLacksIt ? GroupCutFate.Dropped : GroupCutFate.Undecided));
        }
        return outcomes;
    }

    /// <summary>Group cuts this pool holds that are not yet known to stand everywhere.</summary>
    public IReadOnlyList<PendingGroupCut> PendingGroupCuts()
    {
        lock (_lock)
            return _snapshotsById.Values.Where(s => s.Pending)
                .GroupBy(s => s.Meta.GroupCut!)
                .Select(g => new PendingGroupCut(g.Key, g.First().Meta.Group, g.First().Meta.GroupPools ?? [],
                    g.Select(s => $"{s.Volume.Name}@{s.Name}").ToList()))
                .ToList();
    }

    // ---- holds ---------------------------------------------------------------------------------------

    /// <summary>Keeps a snapshot from deletion and pruning until every tag is released (ZFS's `zfs hold`).</summary>
    public SnapshotInfo Hold(string volume, string snapshot, string tag) =>
        ChangeHolds(volume, snapshot, tag, add: true);

    public SnapshotInfo Release(string volume, string snapshot, string tag) =>
        ChangeHolds(volume, snapshot, tag, add: false);

    private SnapshotInfo ChangeHolds(string volume, string snapshot, string tag, bool add)
    {
        Names.Validate(tag, "hold tag");
        lock (_lock)
        {
            CheckWritable();
            var snap = FindSnapshot(volume, snapshot);
            bool has = snap.Holds.Contains(tag);
            if (add && has) throw Exists($"snapshot '{volume}@{snapshot}' already has hold '{tag}'");
            if (!add && !has)
                throw NotFound(snap.Holds.Count == 0
                    ? $"snapshot '{volume}@{snapshot}' has no holds"
                    : $"snapshot '{volume}@{snapshot}' has no hold '{tag}'; its holds: {string.Join(", ", snap.Holds)}");
            var tags = add ? snap.Holds.Append(tag).ToList() : snap.Holds.Where(t => t != tag).ToList();
            Record.EncodeCommon(_journalBuffer, RecordType.SetHolds, ++_lastSeq, snap.Id, origin: MetaCodec.EncodeHolds(tags));
            ApplySetHolds(snap, tags);
        }
        Commit();
        lock (_lock) return Describe(FindSnapshot(volume, snapshot), ComputeUsage());
    }

    // ---- the parts ---------------------------------------------------------------------------------

    private static List<(Pool Pool, List<string> Volumes)> GroupByPool(IReadOnlyList<GroupMember> members)
    {
        var duplicate = members.GroupBy(m => (m.Pool, m.Volume)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null)
            throw new RewindException(ErrorKind.InvalidArgument, $"volume '{duplicate.Key.Volume}' appears twice among the members");
        return members.GroupBy(m => m.Pool)
            .OrderBy(g => g.Key.PoolId).ThenBy(g => g.Key.Directory, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Select(m => m.Volume).ToList()))
            .ToList();
    }

    /// <summary>
    /// Runs <paramref name="body"/> holding every pool's lock, taken in pool-id order. Each pool's in-place
    /// rewrites are drained first, one pool at a time and before any lock is held, so the locks are held
    /// only for the cut itself. Returns how long the first lock was held: the writers' pause.
    /// </summary>
    private static TimeSpan LockAll(List<(Pool Pool, List<string> Volumes)> byPool, Action body)
    {
        int taken = 0, heldOff = 0;
        long start = 0;
        try
        {
            foreach (var (pool, _) in byPool) { pool.HoldOffRewrites(); heldOff++; }
            foreach (var (pool, _) in byPool)
            {
                Monitor.Enter(pool._lock);
                if (taken++ == 0) start = Stopwatch.GetTimestamp();
                pool.SealInPlace(); // finds no rewrite running: they were drained above
            }
            body();
        }
        finally
        {
            for (int i = taken - 1; i >= 0; i--) Monitor.Exit(byPool[i].Pool._lock);
            for (int i = 0; i < heldOff; i++) byPool[i].Pool.AllowRewrites();
        }
        return Stopwatch.GetElapsedTime(start);
    }

    private static void ForEachPool(List<(Pool Pool, List<string> Volumes)> byPool, Action<Pool> action)
    {
        if (byPool.Count == 1) { action(byPool[0].Pool); return; }
        var errors = new List<Exception>();
        Parallel.ForEach(byPool, part =>
        {
            try { action(part.Pool); }
            catch (Exception e) { lock (errors) errors.Add(e); }
        });
        if (errors.Count > 0) throw errors[0];
    }

    /// <summary>Under <c>_lock</c>: the volume exists and has no snapshot of that name yet.</summary>
    private void ValidateSnapshotTarget(string volume, string snapshot)
    {
        if (FindVolume(volume).Snapshots.Any(s => s.Name == snapshot)) throw Exists($"snapshot '{volume}@{snapshot}' already exists");
    }

    /// <summary>Under <c>_lock</c>: this pool's part of a cut, as one record.</summary>
    private void PrepareCut(List<string> volumes, string snapshot, string cutId, SnapshotMeta meta, bool pending, long now)
    {
        var prepared = new List<PreparedSnapshot>();
        foreach (var v in volumes) prepared.Add(new PreparedSnapshot(FindVolume(v).Id, _nextId + prepared.Count, snapshot));
        var body = new GroupPrepareBody(prepared, meta, pending);
        Record.EncodeCommon(_journalBuffer, RecordType.GroupPrepare, ++_lastSeq, prepared.Count, time: now, name: cutId,
            origin: MetaCodec.Encode(body));
        ApplyGroupPrepare(body, now, FindVolumeById);
    }

    private Volume FindVolumeById(long id) => _volumesById[id];

    private bool HoldsCut(string cutId)
    {
        lock (_lock) return _snapshotsById.Values.Any(s => s.Meta.GroupCut == cutId);
    }

    /// <summary>Decides a cut in this pool, durably; a cut already decided here is left as it is.</summary>
    private void ResolveCut(string cutId, bool stand)
    {
        lock (_lock)
        {
            CheckWritable();
            if (!PendingSnapshotsOf(cutId).Any()) return;
            Record.EncodeCommon(_journalBuffer, RecordType.GroupResolve, ++_lastSeq, stand ? 1 : 0, name: cutId);
            ApplyGroupResolve(cutId, stand);
        }
        Commit();
        if (!stand) WakeBackground();
    }
}
