using System.Buffers.Binary;

namespace Rewind.Server.Tests.Support;

/// <summary>
/// What a pair of volumes written by <see cref="NbdSequenceWriter"/> holds: the record numbers present,
/// and whether they are the gap-free prefix 1..k that dependent-write consistency demands.
/// </summary>
public sealed record SequencePrefix(long Count, long Highest, string? Problem)
{
    public bool IsGapFree => Problem == null;

    /// <summary>
    /// Reads the record number of every 512-byte slot. Slot p of the left volume can only ever hold
    /// record 2p+1 and of the right one 2p+2, so anything else there is a misplaced or torn write.
    /// </summary>
    public static SequencePrefix Of(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var present = new SortedSet<long>();
        string? misplaced = Collect(left, "left", 1, present) ?? Collect(right, "right", 2, present);
        if (misplaced != null) return new SequencePrefix(present.Count, present.Count == 0 ? 0 : present.Max, misplaced);
        long count = present.Count, highest = count == 0 ? 0 : present.Max;
        if (highest == count) return new SequencePrefix(count, highest, null);
        long gap = 1;
        foreach (long seq in present)
        {
            if (seq != gap) break;
            gap++;
        }
        string volume = gap % 2 == 1 ? "left" : "right";
        return new SequencePrefix(count, highest,
            $"holds {count} records up to {highest}, but record {gap} ({volume} slot {(gap - 1) / 2}) is missing: the first gap");
    }

    private static string? Collect(ReadOnlySpan<byte> volume, string side, long firstRecord, SortedSet<long> present)
    {
        for (int slot = 0; (slot + 1) * NbdSequenceWriter.RecordBytes <= volume.Length; slot++)
        {
            long seq = BinaryPrimitives.ReadInt64LittleEndian(volume[(slot * NbdSequenceWriter.RecordBytes)..]);
            if (seq == 0) continue;
            long expected = firstRecord + 2L * slot;
            if (seq != expected) return $"{side} slot {slot} holds record {seq}, but only record {expected} is ever written there";
            present.Add(seq);
        }
        return null;
    }

    /// <summary>Bytes of each volume that hold the first <paramref name="records"/> records (one slot to spare).</summary>
    public static int BytesPerVolumeFor(long records) => (int)((records + 1) / 2 + 1) * NbdSequenceWriter.RecordBytes;
}
