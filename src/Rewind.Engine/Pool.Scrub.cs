using Rewind.Engine.Journal;
using Rewind.Engine.Map;

namespace Rewind.Engine;

/// <summary>
/// Scrub: every structural invariant of the maps and the allocator, checked under the lock against
/// counts recomputed from scratch; then every referenced cluster read back and checked against its
/// CRC (outside the lock, with the roots pinned); then the on-disk metadata files' own checksums.
/// </summary>
public sealed partial class Pool
{
    public ScrubReport Scrub(IProgress<double>? progress = null)
    {
        var problems = new List<ScrubProblem>();
        var versions = new List<(string Name, Version V, MapNode? Root)>();
        var slots = new SortedDictionary<uint, uint>(); // slot -> crc
        var pinned = new List<MapNode>();
        lock (_lock)
        {
            SealInPlace(); // scrub reads slots with the checksums it records now
            ObjectDisposedException.ThrowIf(_disposed, this);
            _releaser.Drain();
            foreach (var v in _volumesById.Values)
            {
                versions.Add(($"volume {v.Name}", v, v.Root));
                foreach (var s in v.Snapshots) versions.Add(($"snapshot {v.Name}@{s.Name}", s, s.Root));
            }
            CheckStructure(versions, slots, problems);
            foreach (var (_, _, root) in versions)
                if (root != null) { root.Refs++; pinned.Add(root); }
        }
        long checkedBytes = 0;
        var bad = new List<uint>();
        try
        {
            var buffer = new byte[ClusterSize];
            long done = 0;
            foreach (var (slot, crc) in slots)
            {
                try
                {
                    _data.Read(slot, buffer);
                    if (Crc32C.Compute(buffer) != crc) bad.Add(slot);
                }
                catch (IOException e)
                {
                    problems.Add(new ScrubProblem("io-error", _data.Describe(slot), e.Message));
                }
                checkedBytes += ClusterSize;
                if (++done % 256 == 0) progress?.Report((double)done / slots.Count);
            }
            if (bad.Count > 0) ReportDamage(bad, versions, problems);
        }
        finally
        {
            lock (_lock) foreach (var root in pinned) _releaser.Release(root);
        }
        CheckMetadataFiles(problems);
        progress?.Report(1);
        return new ScrubReport(slots.Count, checkedBytes, versions.Count, problems);
    }

    /// <summary>Recomputes node holders, subtree counts and slot references, and compares them with the live ones.</summary>
    private void CheckStructure(List<(string Name, Version V, MapNode? Root)> versions, SortedDictionary<uint, uint> slotCrcs, List<ScrubProblem> problems)
    {
        var holders = new Dictionary<MapNode, int>(ReferenceEqualityComparer.Instance);
        var slotRefs = new Dictionary<uint, int>();
        foreach (var (_, _, root) in versions)
            if (root != null) holders[root] = holders.GetValueOrDefault(root) + 1;
        var seen = new HashSet<MapNode>(ReferenceEqualityComparer.Instance);
        BlockMap.VisitDistinct(versions.Select(v => v.Root), seen, node =>
        {
            long allocated = 0;
            if (node.IsLeaf)
            {
                foreach (var e in node.Entries!)
                {
                    if (e == 0) continue;
                    allocated++;
                    uint s = MapEntry.Slot(e);
                    slotRefs[s] = slotRefs.GetValueOrDefault(s) + 1;
                    if (slotCrcs.TryGetValue(s, out uint crc) && crc != MapEntry.Crc(e))
                        problems.Add(new ScrubProblem("map", $"slot {s}", $"two map entries give slot {s} different checksums ({crc:x8}, {MapEntry.Crc(e):x8})"));
                    slotCrcs[s] = MapEntry.Crc(e);
                }
            }
            else
            {
                foreach (var c in node.Children!)
                {
                    if (c == null) continue;
                    holders[c] = holders.GetValueOrDefault(c) + 1;
                    allocated += c.Allocated;
                    if (c.Level != node.Level - 1)
                        problems.Add(new ScrubProblem("map", $"node at level {node.Level}", $"child at level {c.Level}"));
                }
            }
            if (allocated != node.Allocated)
                problems.Add(new ScrubProblem("map", $"node at level {node.Level}", $"counts {node.Allocated} allocated clusters but holds {allocated}"));
        });
        foreach (var (node, expected) in holders)
            if (node.Refs != expected)
                problems.Add(new ScrubProblem("map", $"node at level {node.Level}", $"has {node.Refs} holders recorded but {expected} actual"));
        foreach (var (slot, expected) in slotRefs)
        {
            if (slot >= _slots.HighWater || _slots.IsReusable(slot))
                problems.Add(new ScrubProblem("allocator", $"slot {slot}", "referenced by a map but marked free"));
            else if (_slots.RefCount(slot) < expected)
                problems.Add(new ScrubProblem("allocator", $"slot {slot}", $"reference count {_slots.RefCount(slot)} below the {expected} map references"));
        }
        if (slotRefs.Count != _slots.UsedSlots && _slots.PendingSlots == 0)
        {
            // In-flight reads pin slots, so only a shortfall of used slots is an error, never an excess of pins.
            long used = 0;
            for (uint s = 0; s < _slots.HighWater; s++) if (_slots.RefCount(s) > 0) used++;
            if (used < slotRefs.Count)
                problems.Add(new ScrubProblem("allocator", "pool", $"{used} slots in use but maps reference {slotRefs.Count}"));
        }
        foreach (var (name, v, root) in versions)
        {
            long clusters = (v.Size + ClusterSize - 1) >> ClusterShift;
            long beyond = 0;
            BlockMap.Allocated(root, clusters, MapNode.MaxClusters, (_, count) => beyond += count);
            if (beyond > 0) problems.Add(new ScrubProblem("map", name, $"{beyond} clusters mapped past the end of the volume"));
        }
    }

    /// <summary>Names every volume and snapshot, with byte offsets, that maps a damaged cluster.</summary>
    private void ReportDamage(List<uint> badSlots, List<(string Name, Version V, MapNode? Root)> versions, List<ScrubProblem> problems)
    {
        var bad = new HashSet<uint>(badSlots);
        foreach (var (name, _, root) in versions)
        {
            BlockMap.Allocated(root, 0, MapNode.MaxClusters, (first, count) =>
            {
                for (long c = first; c < first + count; c++)
                {
                    ulong e = BlockMap.Lookup(root, c);
                    if (e != 0 && bad.Contains(MapEntry.Slot(e)))
                        problems.Add(new ScrubProblem("checksum", $"{name} offset {c << ClusterShift}",
                            $"cluster of {ClusterSize} bytes at {_data.Describe(MapEntry.Slot(e))} fails its CRC-32C"));
                }
            });
        }
    }

    private void CheckMetadataFiles(List<ScrubProblem> problems)
    {
        string name = CheckpointName(_checkpointGeneration);
        if (_storage.Exists(name))
        {
            using var file = _storage.Open(name, create: false);
            var bytes = new byte[file.Length];
            file.Read(0, bytes);
            if (Checkpoint.Parse(bytes) == null)
                problems.Add(new ScrubProblem("metadata", _storage.Describe(name), "the current checkpoint fails its checksum; it will be rewritten at the next checkpoint"));
        }
        lock (_commitLock)
        {
            foreach (var journal in _storage.List())
            {
                if (!JournalFile.TryParseGeneration(journal, out _)) continue;
                using var file = _storage.Open(journal, create: false);
                try
                {
                    var read = JournalFile.Read(file, _storage.Describe(journal));
                    if (read.TornBytes > 0)
                        problems.Add(new ScrubProblem("metadata", _storage.Describe(journal), $"{read.TornBytes} bytes after offset {read.ValidLength} fail their checksum"));
                }
                catch (RewindException e)
                {
                    problems.Add(new ScrubProblem("metadata", _storage.Describe(journal), e.Message));
                }
            }
        }
    }
}
