using Rewind.Engine.Journal;
using Rewind.Engine.Map;

namespace Rewind.Engine;

/// <summary>
/// The state changes behind every operation, shared by the live path and journal replay so that a
/// replayed pool is the pool that was acknowledged. Callers hold <c>_lock</c> and have validated.
/// </summary>
public sealed partial class Pool
{
    private void ApplyCreateVolume(long id, string name, long size, long time, string? origin, MapNode? root)
    {
        var vol = new Volume
        {
            Id = id, Name = name, Size = size, Origin = origin, Root = root,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(time),
        };
        if (root != null) root.Refs++;
        _volumesById[id] = vol;
        _volumesByName[name] = vol;
        _nextId = Math.Max(_nextId, id + 1);
    }

    private void ApplyResize(Volume vol, long newSize)
    {
        if (newSize < vol.Size)
        {
            long firstGone = (newSize + ClusterSize - 1) >> ClusterShift;
            BlockMap.Trim(ref vol.Root, firstGone, MapNode.MaxClusters - firstGone, _slots, _releaser);
        }
        vol.Size = newSize;
    }

    private void ApplyRename(Volume vol, string newName)
    {
        _volumesByName.Remove(vol.Name);
        vol.Name = newName;
        _volumesByName[newName] = vol;
    }

    private void ApplyDeleteVolume(Volume vol)
    {
        foreach (var snap in vol.Snapshots.ToList()) ApplyDeleteSnapshot(snap);
        _releaser.Release(vol.Root);
        vol.Root = null;
        vol.Deleted = true;
        _volumesById.Remove(vol.Id);
        _volumesByName.Remove(vol.Name);
    }

    private void ApplyCreateSnapshot(Volume vol, long id, string name, long time, SnapshotMeta meta, bool pending = false)
    {
        var snap = new Snapshot
        {
            Id = id, Name = name, Volume = vol, Root = vol.Root, Size = vol.Size,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(time), Meta = meta, Pending = pending,
        };
        if (snap.Root != null) snap.Root.Refs++;
        vol.Snapshots.Add(snap);
        _snapshotsById[id] = snap;
        _nextId = Math.Max(_nextId, id + 1);
    }

    private void ApplyGroupPrepare(GroupPrepareBody body, long time, Func<long, Volume> volume)
    {
        foreach (var p in body.Snapshots)
            ApplyCreateSnapshot(volume(p.VolumeId), p.SnapshotId, p.Name, time, body.Meta, body.Pending);
    }

    /// <summary>Lets a pending cut stand, or drops its snapshots. A cut already decided here is left alone.</summary>
    private void ApplyGroupResolve(string cutId, bool stand)
    {
        foreach (var snap in PendingSnapshotsOf(cutId).ToList())
        {
            if (stand) snap.Pending = false;
            else ApplyDeleteSnapshot(snap);
        }
    }

    private IEnumerable<Snapshot> PendingSnapshotsOf(string cutId) =>
        _snapshotsById.Values.Where(s => s.Pending && s.Meta.GroupCut == cutId);

    private static void ApplySetHolds(Snapshot snap, List<string> tags) => snap.Holds = tags;

    private void ApplyDeleteSnapshot(Snapshot snap)
    {
        _releaser.Release(snap.Root);
        snap.Root = null;
        snap.Deleted = true;
        snap.Volume.Snapshots.Remove(snap);
        _snapshotsById.Remove(snap.Id);
    }

    private void ApplyRollback(Volume vol, Snapshot snap)
    {
        if (snap.Root != null) snap.Root.Refs++;
        _releaser.Release(vol.Root);
        vol.Root = snap.Root;
        vol.Size = snap.Size;
        vol.Epoch++;
    }

    private void ApplyClone(Snapshot snap, long id, string name, long time) =>
        ApplyCreateVolume(id, name, snap.Size, time, $"{snap.Volume.Name}@{snap.Name}", snap.Root);

    private void ApplyWriteMap(Volume vol, ReadOnlySpan<long> clusters, ReadOnlySpan<ulong> entries)
    {
        for (int i = 0; i < clusters.Length; i++)
            BlockMap.Set(ref vol.Root, clusters[i], entries[i], _slots, _releaser);
    }

    private void ApplyTrim(Volume vol, long first, long count) =>
        BlockMap.Trim(ref vol.Root, first, count, _slots, _releaser);

    /// <summary>Replays one journal record. Anything that does not fit the catalog means the metadata is corrupt.</summary>
    private void Replay(Record r)
    {
        Volume Vol(long id) => _volumesById.TryGetValue(id, out var v) ? v
            : throw new RewindException(ErrorKind.Checksum, $"journal record {r.Seq} ({r.Type}) names volume id {id}, which does not exist: the pool's metadata is inconsistent");
        Snapshot Snap(long id) => _snapshotsById.TryGetValue(id, out var s) ? s
            : throw new RewindException(ErrorKind.Checksum, $"journal record {r.Seq} ({r.Type}) names snapshot id {id}, which does not exist: the pool's metadata is inconsistent");

        try { ReplayChecked(r, Vol, Snap); }
        catch (System.Text.Json.JsonException e)
        {
            throw new RewindException(ErrorKind.Checksum, $"journal record {r.Seq} ({r.Type}) holds metadata that does not parse: {e.Message}");
        }
    }

    private void ReplayChecked(Record r, Func<long, Volume> Vol, Func<long, Snapshot> Snap)
    {
        switch (r.Type)
        {
            case RecordType.CreateVolume: ApplyCreateVolume(r.A, r.Name, r.B, r.Time, null, null); break;
            case RecordType.DeleteVolume: ApplyDeleteVolume(Vol(r.A)); break;
            case RecordType.RenameVolume: ApplyRename(Vol(r.A), r.Name); break;
            case RecordType.ResizeVolume: ApplyResize(Vol(r.A), r.B); break;
            case RecordType.CreateSnapshot: ApplyCreateSnapshot(Vol(r.A), r.B, r.Name, r.Time, MetaCodec.DecodeMeta(r.Origin)); break;
            case RecordType.GroupPrepare: ApplyGroupPrepare(MetaCodec.DecodePrepare(r.Origin), r.Time, Vol); break;
            case RecordType.GroupResolve: ApplyGroupResolve(r.Name, r.A == 1); break;
            case RecordType.SetHolds: ApplySetHolds(Snap(r.A), MetaCodec.DecodeHolds(r.Origin)); break;
            case RecordType.DeleteSnapshot: ApplyDeleteSnapshot(Snap(r.A)); break;
            case RecordType.Rollback: ApplyRollback(Vol(r.A), Snap(r.B)); break;
            case RecordType.Clone: ApplyClone(Snap(r.A), r.B, r.Name, r.Time); break;
            case RecordType.WriteMap: ApplyWriteMap(Vol(r.A), r.Clusters.AsSpan(0, r.Count), r.Entries.AsSpan(0, r.Count)); break;
            case RecordType.TrimMap: ApplyTrim(Vol(r.A), r.B, r.C); break;
            default: throw new RewindException(ErrorKind.Checksum, $"unknown journal record type {r.Type}");
        }
    }
}
