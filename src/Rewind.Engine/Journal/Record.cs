using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Rewind.Engine.Journal;

internal enum RecordType : byte
{
    CreateVolume = 1,
    DeleteVolume = 2,
    RenameVolume = 3,
    ResizeVolume = 4,
    CreateSnapshot = 5,
    DeleteSnapshot = 6,
    Rollback = 7,
    Clone = 8,
    WriteMap = 9,
    TrimMap = 10,
    GroupPrepare = 11,   // Name = cut id, Origin = GroupPrepareBody as JSON
    GroupResolve = 12,   // Name = cut id, A = 1 to let the cut stand, 0 to drop it
    SetHolds = 13,       // A = snapshot id, Origin = the tags, one per line
}

/// <summary>
/// One journal record, decoded. On disk: type (u8), sequence (u64), body length (u32), body. Every
/// operation is exactly one record, so a crash applies an operation whole or not at all — including a
/// write that spans many clusters.
/// </summary>
internal sealed class Record
{
    public RecordType Type;
    public ulong Seq;
    public long A, B, C;           // ids, sizes, cluster numbers: meaning per type (see Encode*)
    public long Time;              // unix milliseconds
    public string Name = "";
    public string Origin = "";
    public long[] Clusters = Array.Empty<long>();
    public ulong[] Entries = Array.Empty<ulong>();
    public int Count;

    public const int HeaderSize = 1 + 8 + 4;

    private static Span<byte> Begin(IBufferWriter<byte> w, RecordType type, ulong seq, int bodyLength)
    {
        var span = w.GetSpan(HeaderSize + bodyLength);
        span[0] = (byte)type;
        BinaryPrimitives.WriteUInt64LittleEndian(span[1..], seq);
        BinaryPrimitives.WriteInt32LittleEndian(span[9..], bodyLength);
        return span.Slice(HeaderSize, bodyLength);
    }

    private static int StringSize(string s) => 2 + Encoding.UTF8.GetByteCount(s);

    private static int PutString(Span<byte> span, string s)
    {
        int n = Encoding.UTF8.GetBytes(s, span[2..]);
        BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)n);
        return 2 + n;
    }

    /// <summary>Records made of up to three numbers, a time and up to two strings.</summary>
    public static void EncodeCommon(IBufferWriter<byte> w, RecordType type, ulong seq, long a, long b = 0, long c = 0, long time = 0, string name = "", string origin = "")
    {
        int len = 8 * 4 + StringSize(name) + StringSize(origin);
        var body = Begin(w, type, seq, len);
        BinaryPrimitives.WriteInt64LittleEndian(body, a);
        BinaryPrimitives.WriteInt64LittleEndian(body[8..], b);
        BinaryPrimitives.WriteInt64LittleEndian(body[16..], c);
        BinaryPrimitives.WriteInt64LittleEndian(body[24..], time);
        int pos = 32;
        pos += PutString(body[pos..], name);
        PutString(body[pos..], origin);
        w.Advance(HeaderSize + len);
    }

    /// <summary>WriteMap: volume id, then (cluster, entry) pairs.</summary>
    public static void EncodeWriteMap(IBufferWriter<byte> w, ulong seq, long volumeId, ReadOnlySpan<long> clusters, ReadOnlySpan<ulong> entries)
    {
        int len = 8 + 4 + clusters.Length * 16;
        var body = Begin(w, RecordType.WriteMap, seq, len);
        BinaryPrimitives.WriteInt64LittleEndian(body, volumeId);
        BinaryPrimitives.WriteInt32LittleEndian(body[8..], clusters.Length);
        int pos = 12;
        for (int i = 0; i < clusters.Length; i++, pos += 16)
        {
            BinaryPrimitives.WriteInt64LittleEndian(body[pos..], clusters[i]);
            BinaryPrimitives.WriteUInt64LittleEndian(body[(pos + 8)..], entries[i]);
        }
        w.Advance(HeaderSize + len);
    }

    /// <summary>Decodes one record at the start of <paramref name="data"/>; returns its size, or -1 if it does not parse.</summary>
    public static int Decode(ReadOnlySpan<byte> data, Record r)
    {
        if (data.Length < HeaderSize) return -1;
        r.Type = (RecordType)data[0];
        r.Seq = BinaryPrimitives.ReadUInt64LittleEndian(data[1..]);
        int len = BinaryPrimitives.ReadInt32LittleEndian(data[9..]);
        if (len < 0 || len > data.Length - HeaderSize) return -1;
        var body = data.Slice(HeaderSize, len);
        if (r.Type == RecordType.WriteMap)
        {
            if (len < 12) return -1;
            r.A = BinaryPrimitives.ReadInt64LittleEndian(body);
            int count = BinaryPrimitives.ReadInt32LittleEndian(body[8..]);
            if (count < 0 || 12 + (long)count * 16 != len) return -1;
            if (r.Clusters.Length < count) { r.Clusters = new long[count]; r.Entries = new ulong[count]; }
            r.Count = count;
            for (int i = 0, pos = 12; i < count; i++, pos += 16)
            {
                r.Clusters[i] = BinaryPrimitives.ReadInt64LittleEndian(body[pos..]);
                r.Entries[i] = BinaryPrimitives.ReadUInt64LittleEndian(body[(pos + 8)..]);
            }
        }
        else
        {
            if (!Enum.IsDefined(r.Type) || len < 36) return -1;
            r.A = BinaryPrimitives.ReadInt64LittleEndian(body);
            r.B = BinaryPrimitives.ReadInt64LittleEndian(body[8..]);
            r.C = BinaryPrimitives.ReadInt64LittleEndian(body[16..]);
            r.Time = BinaryPrimitives.ReadInt64LittleEndian(body[24..]);
            int pos = 32;
            if (!TryGetString(body, ref pos, out r.Name) || !TryGetString(body, ref pos, out r.Origin)) return -1;
        }
        return HeaderSize + len;
    }

    private static bool TryGetString(ReadOnlySpan<byte> body, ref int pos, out string value)
    {
        value = "";
        if (pos + 2 > body.Length) return false;
        int n = BinaryPrimitives.ReadUInt16LittleEndian(body[pos..]);
        if (pos + 2 + n > body.Length) return false;
        value = Encoding.UTF8.GetString(body.Slice(pos + 2, n));
        pos += 2 + n;
        return true;
    }
}
