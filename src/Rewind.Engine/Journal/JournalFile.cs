using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using Rewind.Engine.Storage;

namespace Rewind.Engine.Journal;

/// <summary>
/// The journal: files "journal.GEN" holding commit blocks. A block is what one commit wrote and then
/// fsynced: header (magic, block number, payload length, CRC-32C of header and payload) and the payload,
/// a run of records.
///
/// Reading stops at the first block that is not whole. If a whole block with a later number follows it,
/// the damage cannot be a torn tail (a block is only written after the previous one was fsynced), so
/// the journal is corrupt and opening fails rather than silently dropping acknowledged work.
/// </summary>
internal static class JournalFile
{
    public const uint Magic = 0x314A5752; // "RWJ1"
    public const int BlockHeaderSize = 4 + 8 + 4 + 4;

    public static string NameOf(long generation) => $"journal.{generation:D8}";

    public static bool TryParseGeneration(string name, out long generation)
    {
        generation = 0;
        return name.StartsWith("journal.", StringComparison.Ordinal) && long.TryParse(name.AsSpan(8), out generation);
    }

    public static int EncodeBlockHeader(Span<byte> header, ulong blockNumber, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt64LittleEndian(header[4..], blockNumber);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], payload.Length);
        uint crc = Crc32C.Compute(header[..16]);
        crc = Crc32C.Append(crc, payload);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], crc);
        return BlockHeaderSize;
    }

    public sealed record Block(ulong Number, long Offset, int PayloadOffset, int PayloadLength);

    public sealed record ReadResult(byte[] Bytes, List<Block> Blocks, long ValidLength, long TornBytes);

    /// <summary>Reads the whole blocks of a journal file in order (the file is bounded by checkpointing).</summary>
    public static ReadResult Read(IStorageFile file, string describe)
    {
        long length = file.Length;
        if (length > int.MaxValue) throw new RewindException(ErrorKind.IO, $"journal {describe} is larger than 2 GiB");
        var bytes = new byte[length];
        int got = file.Read(0, bytes);
        var data = bytes.AsSpan(0, got);
        var blocks = new List<Block>();
        int pos = 0;
        ulong? expected = null;
        while (TryBlock(data, pos) is { } block && (expected == null || block.Number == expected))
        {
            blocks.Add(block);
            expected = block.Number + 1;
            pos = block.PayloadOffset + block.PayloadLength;
        }
        if (pos < data.Length && expected != null)
        {
            // Anything whole after the damage means fsynced blocks were hit: refuse to guess.
            for (int scan = pos + 1; scan + BlockHeaderSize <= data.Length; scan++)
            {
                if (BinaryPrimitives.ReadUInt32LittleEndian(data[scan..]) != Magic) continue;
                if (TryBlock(data, scan) is { } later && later.Number > expected)
                    throw new RewindException(ErrorKind.Checksum,
                        $"journal {describe} is damaged at offset {pos} (block {expected}), but later blocks are intact; the pool cannot be opened safely. Copy its volumes out to a fresh pool, or restore it from a backup");
            }
        }
        return new ReadResult(bytes, blocks, pos, got - pos);
    }

    private static Block? TryBlock(ReadOnlySpan<byte> data, int pos)
    {
        if (pos + BlockHeaderSize > data.Length) return null;
        var header = data.Slice(pos, BlockHeaderSize);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic) return null;
        ulong number = BinaryPrimitives.ReadUInt64LittleEndian(header[4..]);
        int payloadLength = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (payloadLength < 0 || pos + BlockHeaderSize + (long)payloadLength > data.Length) return null;
        var payload = data.Slice(pos + BlockHeaderSize, payloadLength);
        uint crc = Crc32C.Append(Crc32C.Compute(header[..16]), payload);
        if (crc != BinaryPrimitives.ReadUInt32LittleEndian(header[16..])) return null;
        return new Block(number, pos, pos + BlockHeaderSize, payloadLength);
    }
}
