namespace Rewind.Engine.Map;

/// <summary>
/// Operations on one version's map root. Callers hold the pool lock. Writers copy every shared node on
/// their path before changing it (at most <see cref="MapNode.Levels"/> node copies per write, never a
/// data copy), and empty subtrees are dropped so trimmed space costs no map memory.
/// </summary>
internal static class BlockMap
{
    private const int Top = MapNode.Levels - 1;

    public static ulong Lookup(MapNode? root, long cluster)
    {
        var node = root;
        for (int level = Top; level > 0 && node != null; level--)
            node = node.Children![MapNode.IndexAt(cluster, level)];
        return node == null ? 0 : node.Entries![MapNode.IndexAt(cluster, 0)];
    }

    /// <summary>
    /// The entry for <paramref name="cluster"/> if every node on its path has this root's version as its
    /// only holder (no snapshot, clone or checkpoint shares it); 0 otherwise or for a hole.
    /// </summary>
    public static ulong LookupExclusive(MapNode? root, long cluster)
    {
        var node = root;
        for (int level = Top; level > 0 && node != null; level--)
        {
            if (node.Refs != 1) return 0;
            node = node.Children![MapNode.IndexAt(cluster, level)];
        }
        return node == null || node.Refs != 1 ? 0 : node.Entries![MapNode.IndexAt(cluster, 0)];
    }

    private static MapNode Exclusive(MapNode? node, int level, ISlotRefs slots, NodeReleaser releaser)
    {
        if (node == null) return level == 0 ? MapNode.NewLeaf() : MapNode.NewInner(level);
        if (node.Refs == 1) return node;
        var copy = node.Copy(slots);
        releaser.Release(node); // still held by someone else, so this only drops our claim
        return copy;
    }

    /// <summary>
    /// Sets one entry. The new entry's slot reference must already be counted (the allocator hands out
    /// slots with one reference, which this leaf takes over). The old entry's slot is released.
    /// </summary>
    public static void Set(ref MapNode? root, long cluster, ulong entry, ISlotRefs slots, NodeReleaser releaser)
    {
        if (entry == 0 && Lookup(root, cluster) == 0) return; // hole over hole: nothing to copy
        Span<int> idx = stackalloc int[MapNode.Levels];
        var pathNodes = new NodePath();
        Span<MapNode> path = pathNodes;
        root = Exclusive(root, Top, slots, releaser);
        var node = root;
        for (int level = Top; level > 0; level--)
        {
            path[level] = node;
            int i = idx[level] = MapNode.IndexAt(cluster, level);
            var child = Exclusive(node.Children![i], level - 1, slots, releaser);
            node.Children[i] = child;
            node = child;
        }
        path[0] = node;
        int li = MapNode.IndexAt(cluster, 0);
        ulong old = node.Entries![li];
        node.Entries[li] = entry;
        long delta = (entry != 0 ? 1 : 0) - (old != 0 ? 1 : 0);
        if (old != 0) slots.Release(MapEntry.Slot(old));
        if (delta != 0)
            for (int level = 0; level <= Top; level++) path[level].Allocated += delta;
        if (delta < 0) PruneEmpty(ref root, path, idx, releaser);
    }

    private static void PruneEmpty(ref MapNode? root, Span<MapNode> path, Span<int> idx, NodeReleaser releaser)
    {
        for (int level = 0; level < Top; level++)
        {
            if (path[level].Allocated != 0) return;
            path[level + 1].Children![idx[level + 1]] = null;
            releaser.Release(path[level]);
        }
        if (root!.Allocated == 0) { releaser.Release(root); root = null; }
    }

    /// <summary>Makes [first, first+count) holes. Whole subtrees inside the range are dropped without a visit.</summary>
    public static void Trim(ref MapNode? root, long first, long count, ISlotRefs slots, NodeReleaser releaser)
    {
        if (count <= 0) return;
        TrimNode(ref root, Top, 0, first, first + count, slots, releaser);
    }

    private static long TrimNode(ref MapNode? node, int level, long nodeFirst, long first, long end, ISlotRefs slots, NodeReleaser releaser)
    {
        if (node == null) return 0;
        long span = MapNode.ChildSpan(level + 1);
        if (first <= nodeFirst && end >= nodeFirst + span)
        {
            long freed = node.Allocated;
            releaser.Release(node);
            node = null;
            return freed;
        }
        if (node.Allocated == 0) return 0;
        node = Exclusive(node, level, slots, releaser);
        long removed = 0;
        if (level == 0)
        {
            long from = Math.Max(first, nodeFirst), to = Math.Min(end, nodeFirst + span);
            for (long c = from; c < to; c++)
            {
                int i = (int)(c - nodeFirst);
                ulong e = node.Entries![i];
                if (e == 0) continue;
                node.Entries[i] = 0;
                slots.Release(MapEntry.Slot(e));
                removed++;
            }
        }
        else
        {
            long childSpan = MapNode.ChildSpan(level);
            int lo = (int)Math.Max(0, (first - nodeFirst) / childSpan);
            int hi = (int)Math.Min(MapNode.Fanout - 1, (end - 1 - nodeFirst) / childSpan);
            for (int i = lo; i <= hi; i++)
                removed += TrimNode(ref node.Children![i], level - 1, nodeFirst + i * childSpan, first, end, slots, releaser);
        }
        node.Allocated -= removed;
        if (node.Allocated == 0) { releaser.Release(node); node = null; }
        return removed;
    }

    /// <summary>
    /// Calls <paramref name="changed"/> for every cluster run where the two maps may differ, in ascending
    /// order. Shared subtrees are skipped whole, so the cost follows the change, not the volume.
    /// </summary>
    public static void Diff(MapNode? a, MapNode? b, Action<long, long> changed)
    {
        var runs = new RunCollector(changed);
        DiffNode(a, b, Top, 0, ref runs);
        runs.Finish();
    }

    private static void DiffNode(MapNode? a, MapNode? b, int level, long nodeFirst, ref RunCollector runs)
    {
        if (ReferenceEquals(a, b)) return;
        if (a == null || b == null)
        {
            AllocatedRuns(a ?? b, level, nodeFirst, 0, long.MaxValue, ref runs);
            return;
        }
        if (level == 0)
        {
            for (int i = 0; i < MapNode.Fanout; i++)
                if (a.Entries![i] != b.Entries![i]) runs.Add(nodeFirst + i, 1);
            return;
        }
        long childSpan = MapNode.ChildSpan(level);
        for (int i = 0; i < MapNode.Fanout; i++)
            DiffNode(a.Children![i], b.Children![i], level - 1, nodeFirst + i * childSpan, ref runs);
    }

    /// <summary>Runs of allocated clusters within [first, end), ascending.</summary>
    public static void Allocated(MapNode? root, long first, long end, Action<long, long> run)
    {
        var runs = new RunCollector(run);
        AllocatedRuns(root, Top, 0, first, end, ref runs);
        runs.Finish();
    }

    private static void AllocatedRuns(MapNode? node, int level, long nodeFirst, long first, long end, ref RunCollector runs)
    {
        if (node == null || node.Allocated == 0) return;
        long span = MapNode.ChildSpan(level + 1);
        if (nodeFirst >= end || nodeFirst + span <= first) return;
        if (level == 0)
        {
            long from = Math.Max(first, nodeFirst), to = Math.Min(end, nodeFirst + span);
            for (long c = from; c < to; c++)
                if (node.Entries![c - nodeFirst] != 0) runs.Add(c, 1);
            return;
        }
        long childSpan = MapNode.ChildSpan(level);
        for (int i = 0; i < MapNode.Fanout; i++)
            AllocatedRuns(node.Children![i], level - 1, nodeFirst + i * childSpan, first, end, ref runs);
    }

    /// <summary>Visits every distinct node reachable from the roots once (shared subtrees once in total).</summary>
    public static void VisitDistinct(IEnumerable<MapNode?> roots, HashSet<MapNode> seen, Action<MapNode> visit)
    {
        var stack = new Stack<MapNode>();
        foreach (var r in roots)
            if (r != null && seen.Add(r)) stack.Push(r);
        while (stack.TryPop(out var node))
        {
            visit(node);
            if (node.IsLeaf) continue;
            foreach (var c in node.Children!)
                if (c != null && seen.Add(c)) stack.Push(c);
        }
    }

    /// <summary>Merges adjacent single-cluster reports into runs.</summary>
    private struct RunCollector(Action<long, long> sink)
    {
        private long _start = -1, _count;

        public void Add(long first, long count)
        {
            if (_start >= 0 && _start + _count == first) { _count += count; return; }
            Finish();
            _start = first;
            _count = count;
        }

        public void Finish()
        {
            if (_start >= 0) sink(_start, _count);
            _start = -1;
            _count = 0;
        }
    }

    /// <summary>The nodes on one root-to-leaf path, on the stack: a write allocates no path array.</summary>
    [System.Runtime.CompilerServices.InlineArray(MapNode.Levels)]
    private struct NodePath
    {
        private MapNode _node;
    }
}
