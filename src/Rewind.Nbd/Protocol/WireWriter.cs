using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Rewind.Nbd.Protocol;

/// <summary>Big-endian appends for building handshake messages (cold path: clarity over speed).</summary>
internal static class WireWriter
{
    public static void U16(this ArrayBufferWriter<byte> w, ushort v)
    {
        BinaryPrimitives.WriteUInt16BigEndian(w.GetSpan(2), v);
        w.Advance(2);
    }

    public static void U32(this ArrayBufferWriter<byte> w, uint v)
    {
        BinaryPrimitives.WriteUInt32BigEndian(w.GetSpan(4), v);
        w.Advance(4);
    }

    public static void U64(this ArrayBufferWriter<byte> w, ulong v)
    {
        BinaryPrimitives.WriteUInt64BigEndian(w.GetSpan(8), v);
        w.Advance(8);
    }

    public static void Utf8(this ArrayBufferWriter<byte> w, string s)
    {
        int n = Encoding.UTF8.GetBytes(s, w.GetSpan(Encoding.UTF8.GetMaxByteCount(s.Length)));
        w.Advance(n);
    }

    public static void Zeroes(this ArrayBufferWriter<byte> w, int count)
    {
        w.GetSpan(count)[..count].Clear();
        w.Advance(count);
    }

    /// <summary>UTF-8 bytes of a message, cut at <paramref name="maxBytes"/> on a character boundary.</summary>
    public static byte[] TruncatedUtf8(string message, int maxBytes)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        if (bytes.Length <= maxBytes) return bytes;
        int cut = maxBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80) cut--;
        return bytes[..cut];
    }
}
