using System.Buffers.Binary;

namespace Rewind.Nbd.Protocol;

/// <summary>One transmission-phase request header, decoded.</summary>
internal readonly record struct Request(CommandFlags Flags, ushort Type, ulong Cookie, ulong Offset, uint Length)
{
    public Command Command => (Command)Type;

    /// <summary>Decodes a 28-byte header; a wrong magic number means we lost the framing: disconnect.</summary>
    public static Request Parse(ReadOnlySpan<byte> h)
    {
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(h);
        if (magic != Magic.Request) throw new ProtocolViolationException($"bad request magic 0x{magic:x8}");
        return new Request(
            (CommandFlags)BinaryPrimitives.ReadUInt16BigEndian(h[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(h[6..]),
            BinaryPrimitives.ReadUInt64BigEndian(h[8..]),
            BinaryPrimitives.ReadUInt64BigEndian(h[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(h[24..]));
    }
}
