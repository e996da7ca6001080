using System.Buffers.Binary;

namespace Rewind.Nbd.Protocol;

/// <summary>Encoders for transmission-phase reply headers, written in place ahead of any payload.</summary>
internal static class Replies
{
    /// <summary>Bytes in front of read data: a simple reply header, or a chunk header plus the 8-byte offset.</summary>
    public static int ReadDataPrefix(bool structured) =>
        structured ? WireSize.ChunkHeader + 8 : WireSize.SimpleReplyHeader;

    public static void Simple(Span<byte> dest, ulong cookie, NbdError error)
    {
        BinaryPrimitives.WriteUInt32BigEndian(dest, Magic.SimpleReply);
        BinaryPrimitives.WriteUInt32BigEndian(dest[4..], (uint)error);
        BinaryPrimitives.WriteUInt64BigEndian(dest[8..], cookie);
    }

    public static void ChunkHeader(Span<byte> dest, ulong cookie, ReplyChunkType type, ushort flags, uint payloadLength)
    {
        BinaryPrimitives.WriteUInt32BigEndian(dest, Magic.StructuredReply);
        BinaryPrimitives.WriteUInt16BigEndian(dest[4..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(dest[6..], (ushort)type);
        BinaryPrimitives.WriteUInt64BigEndian(dest[8..], cookie);
        BinaryPrimitives.WriteUInt32BigEndian(dest[16..], payloadLength);
    }

    /// <summary>Writes the prefix of a successful read whose data already sits after it.</summary>
    public static void ReadData(Span<byte> dest, bool structured, ulong cookie, ulong offset, uint length)
    {
        if (!structured)
        {
            Simple(dest, cookie, NbdError.None);
            return;
        }
        ChunkHeader(dest, cookie, ReplyChunkType.OffsetData, ReplyFlags.Done, length + 8);
        BinaryPrimitives.WriteUInt64BigEndian(dest[WireSize.ChunkHeader..], offset);
    }

    /// <summary>An NBD_REPLY_TYPE_ERROR chunk (final) with a human-readable message; returns its size.</summary>
    public static int ErrorChunk(Span<byte> dest, ulong cookie, NbdError error, ReadOnlySpan<byte> message)
    {
        ChunkHeader(dest, cookie, ReplyChunkType.Error, ReplyFlags.Done, (uint)(6 + message.Length));
        BinaryPrimitives.WriteUInt32BigEndian(dest[WireSize.ChunkHeader..], (uint)error);
        BinaryPrimitives.WriteUInt16BigEndian(dest[(WireSize.ChunkHeader + 4)..], (ushort)message.Length);
        message.CopyTo(dest[(WireSize.ChunkHeader + 6)..]);
        return WireSize.ChunkHeader + 6 + message.Length;
    }
}
