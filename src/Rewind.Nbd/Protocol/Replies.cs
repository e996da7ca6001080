using System.Buffers.Binary;

namespace Rewind.Nbd.Protocol;

/// <summary>
/// Encoders for transmission-phase replies, written in place ahead of any payload, in the framing the
/// connection negotiated (<see cref="ReplyMode"/>). With extended headers every reply is a chunk whose
/// header carries the request's offset and a 64-bit payload length.
/// </summary>
internal static class Replies
{
    public static int ChunkHeaderSize(ReplyMode mode) =>
        mode == ReplyMode.Extended ? WireSize.ExtendedChunkHeader : WireSize.ChunkHeader;

    /// <summary>Bytes in front of read data: a simple reply header, or a chunk header plus the 8-byte offset.</summary>
    public static int ReadDataPrefix(ReplyMode mode) =>
        mode == ReplyMode.Simple ? WireSize.SimpleReplyHeader : ChunkHeaderSize(mode) + 8;

    /// <summary>Bytes in front of a hole chunk's end: chunk header, offset 8, length 4.</summary>
    public static int HoleChunkSize(ReplyMode mode) => ChunkHeaderSize(mode) + 12;

    /// <summary>Largest "success, no data" reply: a simple reply, or an empty final chunk.</summary>
    public const int MaxDoneSize = WireSize.ExtendedChunkHeader;

    public static void Simple(Span<byte> dest, ulong cookie, NbdError error)
    {
        BinaryPrimitives.WriteUInt32BigEndian(dest, Magic.SimpleReply);
        BinaryPrimitives.WriteUInt32BigEndian(dest[4..], (uint)error);
        BinaryPrimitives.WriteUInt64BigEndian(dest[8..], cookie);
    }

    /// <summary>Writes a chunk header for request <paramref name="r"/>; returns its size.</summary>
    public static int ChunkHeader(Span<byte> dest, ReplyMode mode, in Request r, ReplyChunkType type, ushort flags, ulong payloadLength)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dest[4..], flags);
        BinaryPrimitives.WriteUInt16BigEndian(dest[6..], (ushort)type);
        BinaryPrimitives.WriteUInt64BigEndian(dest[8..], r.Cookie);
        if (mode == ReplyMode.Extended)
        {
            BinaryPrimitives.WriteUInt32BigEndian(dest, Magic.ExtendedReply);
            BinaryPrimitives.WriteUInt64BigEndian(dest[16..], r.Offset);
            BinaryPrimitives.WriteUInt64BigEndian(dest[24..], payloadLength);
            return WireSize.ExtendedChunkHeader;
        }
        BinaryPrimitives.WriteUInt32BigEndian(dest, Magic.StructuredReply);
        BinaryPrimitives.WriteUInt32BigEndian(dest[16..], checked((uint)payloadLength));
        return WireSize.ChunkHeader;
    }

    /// <summary>The reply to a request that succeeded with nothing to return; returns its size.</summary>
    public static int Done(Span<byte> dest, ReplyMode mode, in Request r)
    {
        if (mode != ReplyMode.Extended)
        {
            // A simple reply is allowed (and shortest) for everything but READ when structured.
            Simple(dest, r.Cookie, NbdError.None);
            return WireSize.SimpleReplyHeader;
        }
        return ChunkHeader(dest, mode, r, ReplyChunkType.None, ReplyFlags.Done, 0);
    }

    /// <summary>Writes the prefix of a read data reply (or chunk at <paramref name="offset"/>) whose data sits after it.</summary>
    public static void ReadData(Span<byte> dest, ReplyMode mode, in Request r, ulong offset, ulong length, bool final)
    {
        if (mode == ReplyMode.Simple)
        {
            Simple(dest, r.Cookie, NbdError.None);
            return;
        }
        int h = ChunkHeader(dest, mode, r, ReplyChunkType.OffsetData, final ? ReplyFlags.Done : (ushort)0, length + 8);
        BinaryPrimitives.WriteUInt64BigEndian(dest[h..], offset);
    }

    /// <summary>An NBD_REPLY_TYPE_OFFSET_HOLE chunk: <paramref name="length"/> bytes at <paramref name="offset"/> read as zeros.</summary>
    public static int Hole(Span<byte> dest, ReplyMode mode, in Request r, ulong offset, uint length, bool final)
    {
        int h = ChunkHeader(dest, mode, r, ReplyChunkType.OffsetHole, final ? ReplyFlags.Done : (ushort)0, 12);
        BinaryPrimitives.WriteUInt64BigEndian(dest[h..], offset);
        BinaryPrimitives.WriteUInt32BigEndian(dest[(h + 8)..], length);
        return h + 12;
    }

    /// <summary>An NBD_REPLY_TYPE_ERROR chunk (final) with a human-readable message; returns its size.</summary>
    public static int ErrorChunk(Span<byte> dest, ReplyMode mode, in Request r, NbdError error, ReadOnlySpan<byte> message)
    {
        int h = ChunkHeader(dest, mode, r, ReplyChunkType.Error, ReplyFlags.Done, (ulong)(6 + message.Length));
        BinaryPrimitives.WriteUInt32BigEndian(dest[h..], (uint)error);
        BinaryPrimitives.WriteUInt16BigEndian(dest[(h + 4)..], (ushort)message.Length);
        message.CopyTo(dest[(h + 6)..]);
        return h + 6 + message.Length;
    }
}
