using System.Buffers.Binary;

namespace Rewind.Nbd.Protocol;

/// <summary>One transmission-phase request header, decoded. The length is 64 bits wide with extended headers.</summary>
internal readonly record struct Request(CommandFlags Flags, ushort Type, ulong Cookie, ulong Offset, ulong Length)
{
    public Command Command => (Command)Type;

    public static int HeaderSize(ReplyMode mode) =>
        mode == ReplyMode.Extended ? WireSize.ExtendedRequestHeader : WireSize.RequestHeader;

    /// <summary>
    /// Decodes a header of <see cref="HeaderSize"/> bytes. A wrong magic number, including the compact
    /// form on a connection that negotiated extended headers or the reverse, means we lost the framing:
    /// disconnect.
    /// </summary>
    public static Request Parse(ReadOnlySpan<byte> h, ReplyMode mode)
    {
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(h);
        bool extended = mode == ReplyMode.Extended;
        uint expected = extended ? Magic.ExtendedRequest : Magic.Request;
        if (magic != expected)
            throw new ProtocolViolationException($"bad request magic 0x{magic:x8} (expected 0x{expected:x8})");
        return new Request(
            (CommandFlags)BinaryPrimitives.ReadUInt16BigEndian(h[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(h[6..]),
            BinaryPrimitives.ReadUInt64BigEndian(h[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(h[16..]),
            extended ? BinaryPrimitives.ReadUInt64BigEndian(h[24..]) : BinaryPrimitives.ReadUInt32BigEndian(h[24..]));
    }

    /// <summary>
    /// Bytes of payload that follow the header: a WRITE's data, or, with extended headers, whatever a
    /// command flagged NBD_CMD_FLAG_PAYLOAD_LEN carries (which we refuse, but must read past).
    /// </summary>
    public ulong PayloadLength(ReplyMode mode) =>
        Command == Command.Write || (mode == ReplyMode.Extended && (Flags & CommandFlags.PayloadLength) != 0) ? Length : 0;
}
