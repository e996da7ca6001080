using Rewind.Engine.Journal;
using Rewind.Engine.Map;

namespace Rewind.Engine.Space;

/// <summary>
/// Checksums of the sixteen equal blocks of clusters recently read whole and verified against their map
/// entry, or just written, so a read of part of such a cluster reads and checks only the blocks it
/// covers instead of the whole cluster, and an in-place rewrite of whole blocks derives the new checksum
/// without reading the old bytes. The map entry's CRC stays the only checksum on disk; these are derived from bytes that
/// matched it (CRC-32C of the whole follows from the blocks' raw CRCs, see Crc32C.FromBlocks).
///
/// Items are keyed by the whole map entry (slot and CRC): a rewrite or a reused slot has another entry,
/// so a stale item is never found for it. Should one ever disagree (a CRC collision on a reused slot),
/// the caller falls back to reading and checking the whole cluster, which decides. Fixed size
/// (direct-mapped on the slot number), lock-free: an item is immutable and replaced whole.
/// </summary>
internal sealed class VerifiedSums
{
    public const int Blocks = 16;
    private const int Capacity = 1 << 16;
    private readonly Item?[] _items = new Item?[Capacity];

    private sealed class Item(ulong entry, uint[] sums)
    {
        public readonly ulong Entry = entry;
        public readonly uint[] Sums = sums;
    }

    /// <summary>The raw CRCs of the cluster's blocks, or null if that exact entry is not known.</summary>
    public uint[]? Find(ulong entry)
    {
        var item = Volatile.Read(ref _items[Index(entry)]);
        return item != null && item.Entry == entry ? item.Sums : null;
    }

    /// <summary>The raw CRCs of each of a cluster's blocks (see Crc32C.FromBlocks for the whole).</summary>
    public static uint[] Of(ReadOnlySpan<byte> cluster)
    {
        var sums = new uint[Blocks];
        Crc32C.RawBlocks(cluster, sums);
        return sums;
    }

    /// <summary>Remembers block checksums of a cluster that just matched <paramref name="entry"/>.</summary>
    public void Remember(ulong entry, uint[] sums) => Volatile.Write(ref _items[Index(entry)], new Item(entry, sums));

    private static int Index(ulong entry) => (int)(MapEntry.Slot(entry) & (Capacity - 1));
}
