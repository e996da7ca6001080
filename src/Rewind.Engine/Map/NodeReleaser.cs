namespace Rewind.Engine.Map;

/// <summary>
/// Drops holders from nodes. A node whose last holder goes is queued, and <see cref="Drain"/> later
/// releases its children and slots: deleting a snapshot or rolling back is O(1) for the caller, and the
/// space comes back in the background. Queued nodes are unreachable, so nobody reads them meanwhile.
/// </summary>
internal sealed class NodeReleaser
{
    private readonly Stack<MapNode> _dead = new();
    private readonly ISlotRefs _slots;

    public NodeReleaser(ISlotRefs slots) => _slots = slots;

    public int Backlog => _dead.Count;

    public void Release(MapNode? node)
    {
        if (node == null) return;
        if (--node.Refs == 0) _dead.Push(node);
        else if (node.Refs < 0) throw new InvalidOperationException("map node released more often than held");
    }

    /// <summary>Processes up to <paramref name="budget"/> dead nodes; returns true when none are left.</summary>
    public bool Drain(int budget = int.MaxValue)
    {
        while (budget-- > 0 && _dead.TryPop(out var node))
        {
            if (node.IsLeaf)
            {
                foreach (var e in node.Entries!)
                    if (e != 0) _slots.Release(MapEntry.Slot(e));
            }
            else
            {
                foreach (var child in node.Children!) Release(child);
            }
        }
        return _dead.Count == 0;
    }
}
