namespace Rewind.Engine.Map;

/// <summary>
/// One node of a block map: a 256-way radix tree four levels deep, so a lookup is always four array
/// indexings whatever the snapshot history (no chain of layers to walk).
///
/// Nodes are shared between versions (a volume, its snapshots, its clones). <see cref="Refs"/> counts
/// the holders: parent nodes plus versions whose root it is. A node with more than one holder is
/// immutable; a writer copies it first (path copying), which is what makes snapshot and clone O(1).
/// Leaf entries are <see cref="MapEntry"/> values: a data slot and the CRC-32C of its cluster.
/// </summary>
internal sealed class MapNode
{
    public const int Bits = 8;
    public const int Fanout = 1 << Bits;
    public const int Levels = 4;
    public const long MaxClusters = 1L << (Bits * Levels);

    public int Refs;
    /// <summary>Allocated (non-hole) leaf entries in this subtree: referenced space in O(1).</summary>
    public long Allocated;
    public readonly int Level;
    public readonly ulong[]? Entries;
    public readonly MapNode?[]? Children;

    private MapNode(int level, ulong[]? entries, MapNode?[]? children)
    {
        Level = level;
        Entries = entries;
        Children = children;
        Refs = 1;
    }

    public static MapNode NewLeaf() => new(0, new ulong[Fanout], null);

    public static MapNode NewInner(int level) => new(level, null, new MapNode?[Fanout]);

    public bool IsLeaf => Level == 0;

    /// <summary>A private copy for a writer. Children and slots gain a holder: the copy.</summary>
    public MapNode Copy(ISlotRefs slots)
    {
        MapNode copy;
        if (IsLeaf)
        {
            copy = new MapNode(0, (ulong[])Entries!.Clone(), null);
            foreach (var e in copy.Entries!)
                if (e != 0) slots.AddRef(MapEntry.Slot(e));
        }
        else
        {
            copy = new MapNode(Level, null, (MapNode?[])Children!.Clone());
            foreach (var c in copy.Children!)
                if (c != null) c.Refs++;
        }
        copy.Allocated = Allocated;
        return copy;
    }

    /// <summary>Clusters one child of a node at <paramref name="level"/> covers.</summary>
    public static long ChildSpan(int level) => 1L << (Bits * level);

    public static int IndexAt(long cluster, int level) => (int)((cluster >> (Bits * level)) & (Fanout - 1));

    /// <summary>Bytes this node costs in memory (object headers, fields and its array), for the map-memory report.</summary>
    public long MemoryBytes => 48 + 24 + (long)Fanout * 8;
}

/// <summary>A leaf entry: 0 is a hole; otherwise (slot + 1) in the high half and the cluster's CRC-32C in the low half.</summary>
internal static class MapEntry
{
    public static ulong Make(uint slot, uint crc) => ((ulong)(slot + 1) << 32) | crc;
    public static uint Slot(ulong entry) => (uint)(entry >> 32) - 1;
    public static uint Crc(ulong entry) => (uint)entry;
    public const uint MaxSlot = uint.MaxValue - 2;
}

/// <summary>Reference counts on data slots, kept by whoever owns the slot allocator.</summary>
internal interface ISlotRefs
{
    void AddRef(uint slot);
    void Release(uint slot);
}
