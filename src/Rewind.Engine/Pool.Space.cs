using Rewind.Engine.Map;

namespace Rewind.Engine;

/// <summary>
/// Space accounting in ZFS's terms. "Referenced" is what a version maps (kept in every node, so O(1)).
/// "Unique" is what deleting it alone would free: slots no other version reaches. That needs one pass
/// over the distinct nodes, marking each node and slot with the single version that reaches it or with
/// "several"; a node reached by two versions makes its whole subtree "several" once, so every node is
/// handled a bounded number of times however many snapshots share it.
/// </summary>
public sealed partial class Pool
{
    private sealed class Usage
    {
        public readonly Dictionary<Version, long> UniqueSlots = new(ReferenceEqualityComparer.Instance);
        public readonly Dictionary<Volume, long> VolumeSlots = new(ReferenceEqualityComparer.Instance);
    }

    private const int Nobody = -1, Several = -2;

    private Usage ComputeUsage()
    {
        var usage = new Usage();
        var versions = new List<Version>();
        foreach (var v in _volumesById.Values) { versions.Add(v); versions.AddRange(v.Snapshots); }
        var perVersion = CountExclusive(versions, versions.Select((_, i) => i).ToArray());
        for (int i = 0; i < versions.Count; i++) usage.UniqueSlots[versions[i]] = perVersion[i];
        var volumes = _volumesById.Values.ToList();
        var volumeIndex = volumes.Select((v, i) => (v, i)).ToDictionary(p => p.v, p => p.i, ReferenceEqualityComparer.Instance);
        var owners = versions.Select(v => volumeIndex[v as Volume ?? ((Snapshot)v).Volume]).ToArray();
        var perVolume = CountExclusive(versions, owners);
        for (int i = 0; i < volumes.Count; i++) usage.VolumeSlots[volumes[i]] = perVolume[i];
        return usage;
    }

    /// <summary>For each owner, the slots reachable from its versions' roots and from no other owner's.</summary>
    private long[] CountExclusive(List<Version> versions, int[] ownerOf)
    {
        int owners = ownerOf.Length == 0 ? 0 : ownerOf.Max() + 1;
        var nodeOwner = new Dictionary<MapNode, int>(ReferenceEqualityComparer.Instance);
        var slotOwner = new int[_slots.HighWater];
        Array.Fill(slotOwner, Nobody);
        var stack = new Stack<MapNode>();
        for (int i = 0; i < versions.Count; i++)
        {
            int owner = ownerOf[i];
            if (versions[i].Root is not { } root) continue;
            stack.Push(root);
            while (stack.TryPop(out var node))
            {
                if (nodeOwner.TryGetValue(node, out int seen))
                {
                    if (seen != owner && seen != Several) MarkSeveral(node, nodeOwner, slotOwner);
                    continue;
                }
                nodeOwner[node] = owner;
                if (node.IsLeaf)
                {
                    foreach (var e in node.Entries!)
                    {
                        if (e == 0) continue;
                        uint s = MapEntry.Slot(e);
                        slotOwner[s] = slotOwner[s] == Nobody || slotOwner[s] == owner ? owner : Several;
                    }
                }
                else
                {
                    foreach (var c in node.Children!) if (c != null) stack.Push(c);
                }
            }
        }
        var counts = new long[owners];
        foreach (int o in slotOwner) if (o >= 0) counts[o]++;
        return counts;
    }

    private static void MarkSeveral(MapNode start, Dictionary<MapNode, int> nodeOwner, int[] slotOwner)
    {
        var stack = new Stack<MapNode>();
        stack.Push(start);
        while (stack.TryPop(out var node))
        {
            if (nodeOwner.TryGetValue(node, out int o) && o == Several) continue;
            nodeOwner[node] = Several;
            if (node.IsLeaf)
            {
                foreach (var e in node.Entries!) if (e != 0) slotOwner[MapEntry.Slot(e)] = Several;
            }
            else
            {
                foreach (var c in node.Children!) if (c != null) stack.Push(c);
            }
        }
    }

    private long Bytes(long clusters) => clusters << ClusterShift;

    private VolumeInfo Describe(Volume v, Usage usage)
    {
        long snapshotsUnique = v.Snapshots.Sum(s => usage.UniqueSlots.GetValueOrDefault(s));
        return new VolumeInfo(v.Name, v.Id, v.Size, v.CreatedAt, VisibleSnapshots(v).Count(),
            Bytes(v.Root?.Allocated ?? 0), Bytes(usage.VolumeSlots.GetValueOrDefault(v)), Bytes(snapshotsUnique),
            v.Origin, v.OpenHandles);
    }

    /// <summary>A volume just created or cloned shares all it maps, so deleting it would free nothing yet.</summary>
    private VolumeInfo DescribeNew(Volume v) =>
        new(v.Name, v.Id, v.Size, v.CreatedAt, VisibleSnapshots(v).Count(), Bytes(v.Root?.Allocated ?? 0), 0, 0, v.Origin, v.OpenHandles);

    private SnapshotInfo Describe(Snapshot s, Usage usage) => Describe(s, Bytes(usage.UniqueSlots.GetValueOrDefault(s)));

    /// <summary>A snapshot just taken shares everything with its volume, so nothing is unique to it: no usage pass needed.</summary>
    private SnapshotInfo DescribeNew(Snapshot s) => Describe(s, 0);

    private SnapshotInfo Describe(Snapshot s, long uniqueBytes) =>
        new(s.Volume.Name, s.Name, s.Id, s.Size, s.CreatedAt, Bytes(s.Root?.Allocated ?? 0), uniqueBytes)
        {
            CreatedBy = s.Meta.CreatedBy, Reason = s.Meta.Reason, ApplicationConsistent = s.Meta.ApplicationConsistent,
            Group = s.Meta.Group, Holds = s.Holds.ToList(),
        };

    public PoolStatus GetStatus()
    {
        long allocated, pending, mapMemory;
        int volumes, snapshots;
        lock (_lock)
        {
            allocated = Bytes(_slots.UsedSlots);
            pending = Bytes(_slots.PendingSlots);
            volumes = _volumesById.Count;
            snapshots = _volumesById.Values.Sum(v => v.Snapshots.Count);
            mapMemory = MapMemoryBytesLocked();
        }
        long metadata = _storage.List()
            .Where(n => n.StartsWith("journal.", StringComparison.Ordinal) || n.StartsWith("checkpoint.", StringComparison.Ordinal))
            .Sum(n => { using var f = _storage.Open(n, create: false); return f.Length; });
        return new PoolStatus(Directory, ClusterSize, volumes, snapshots, allocated, pending,
            _data.AllocatedBytes, metadata, _storage.FreeBytes, mapMemory);
    }

    /// <summary>Memory held by the block maps: distinct nodes plus the slot reference counts.</summary>
    internal long MapMemoryBytes()
    {
        lock (_lock) return MapMemoryBytesLocked();
    }

    private long MapMemoryBytesLocked()
    {
        long bytes = _slots.MemoryBytes;
        var seen = new HashSet<MapNode>(ReferenceEqualityComparer.Instance);
        BlockMap.VisitDistinct(AllRoots(), seen, n => bytes += n.MemoryBytes);
        return bytes;
    }
}
