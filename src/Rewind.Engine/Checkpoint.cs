using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Rewind.Engine.Journal;
using Rewind.Engine.Map;

namespace Rewind.Engine;

/// <summary>
/// A checkpoint: the whole catalog and every map, as of journal record <see cref="LastSeq"/>. Two files,
/// "checkpoint.0" and "checkpoint.1", are written alternately (LMDB's two meta pages), so a checkpoint
/// torn by a crash, or later damaged, still leaves the previous one and the journals after it.
///
/// File: header (<see cref="HeaderSize"/> bytes: magic, format, generation, last record, next journal
/// block, next id, cluster size, payload length and CRC, header CRC), then the payload: every distinct
/// map node once, children before parents, so shared subtrees stay shared after loading; then the
/// volumes and snapshots with the node numbers of their roots.
/// </summary>
internal sealed class Checkpoint
{
    public const uint Magic = 0x4B435752; // "RWCK"
    /// <summary>Format 2 added the pool id and each snapshot's metadata, holds and pending state; format 1 still reads.</summary>
    public const int Format = 2;
    public const int HeaderSize = 64;

    public long Generation;
    public ulong LastSeq;
    public ulong NextBlock;
    public long NextId;
    public int ClusterSize;
    public Guid PoolId;
    public int ReadFormat = Format;
    public List<VolumeImage> Volumes = new();

    public sealed class VolumeImage
    {
        public long Id, Size, Created;
        public string Name = "", Origin = "";
        public MapNode? Root;
        public List<SnapshotImage> Snapshots = new();
    }

    public sealed class SnapshotImage
    {
        public long Id, Size, Created;
        public string Name = "";
        public MapNode? Root;
        public string Meta = "", Holds = "";
        public bool Pending;
    }

    public byte[] Serialize()
    {
        var body = new ArrayBufferWriter<byte>(1 << 16);
        var ids = new Dictionary<MapNode, int>(ReferenceEqualityComparer.Instance);
        body.Write(PoolId.ToByteArray());
        var order = PostOrder(Volumes.SelectMany(v => v.Snapshots.Select(s => s.Root).Prepend(v.Root)));
        PutU32(body, (uint)order.Count);
        foreach (var node in order)
        {
            ids[node] = ids.Count + 1;
            PutU8(body, (byte)node.Level);
            if (node.IsLeaf)
            {
                PutU16(body, (ushort)node.Entries!.Count(e => e != 0));
                for (int i = 0; i < MapNode.Fanout; i++)
                    if (node.Entries[i] != 0) { PutU8(body, (byte)i); PutU64(body, node.Entries[i]); }
            }
            else
            {
                PutU16(body, (ushort)node.Children!.Count(c => c != null));
                for (int i = 0; i < MapNode.Fanout; i++)
                    if (node.Children[i] is { } c) { PutU8(body, (byte)i); PutU32(body, (uint)ids[c]); }
            }
        }
        int RootId(MapNode? n) => n == null ? 0 : ids[n];
        PutU32(body, (uint)Volumes.Count);
        foreach (var v in Volumes)
        {
            PutU64(body, (ulong)v.Id); PutU64(body, (ulong)v.Size); PutU64(body, (ulong)v.Created);
            PutString(body, v.Name); PutString(body, v.Origin); PutU32(body, (uint)RootId(v.Root));
            PutU32(body, (uint)v.Snapshots.Count);
            foreach (var s in v.Snapshots)
            {
                PutU64(body, (ulong)s.Id); PutU64(body, (ulong)s.Size); PutU64(body, (ulong)s.Created);
                PutString(body, s.Name); PutU32(body, (uint)RootId(s.Root));
                PutString(body, s.Meta); PutString(body, s.Holds); PutU8(body, s.Pending ? (byte)1 : (byte)0);
            }
        }
        var payload = body.WrittenSpan;
        var file = new byte[HeaderSize + payload.Length];
        var h = file.AsSpan(0, HeaderSize);
        BinaryPrimitives.WriteUInt32LittleEndian(h, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(h[4..], Format);
        BinaryPrimitives.WriteInt64LittleEndian(h[8..], Generation);
        BinaryPrimitives.WriteUInt64LittleEndian(h[16..], LastSeq);
        BinaryPrimitives.WriteUInt64LittleEndian(h[24..], NextBlock);
        BinaryPrimitives.WriteInt64LittleEndian(h[32..], NextId);
        BinaryPrimitives.WriteInt32LittleEndian(h[40..], ClusterSize);
        BinaryPrimitives.WriteInt64LittleEndian(h[44..], payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(h[52..], Crc32C.Compute(payload));
        BinaryPrimitives.WriteUInt32LittleEndian(h[60..], Crc32C.Compute(h[..60]));
        payload.CopyTo(file.AsSpan(HeaderSize));
        return file;
    }

    /// <summary>Distinct nodes, each after all of its children.</summary>
    private static List<MapNode> PostOrder(IEnumerable<MapNode?> roots)
    {
        var seen = new HashSet<MapNode>(ReferenceEqualityComparer.Instance);
        var order = new List<MapNode>();
        var stack = new Stack<(MapNode Node, int Next)>();
        foreach (var root in roots)
        {
            if (root == null || !seen.Add(root)) continue;
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                if (!node.IsLeaf)
                {
                    int i = next;
                    while (i < MapNode.Fanout && (node.Children![i] is not { } c || !seen.Add(c))) i++;
                    if (i < MapNode.Fanout)
                    {
                        stack.Push((node, i + 1));
                        stack.Push((node.Children![i]!, 0));
                        continue;
                    }
                }
                order.Add(node);
            }
        }
        return order;
    }

    /// <summary>Just the header fields, to pick the newer of the two files.</summary>
    public static Checkpoint? ReadHeader(ReadOnlySpan<byte> file)
    {
        if (file.Length < HeaderSize) return null;
        var h = file[..HeaderSize];
        if (BinaryPrimitives.ReadUInt32LittleEndian(h) != Magic) return null;
        if (BinaryPrimitives.ReadUInt32LittleEndian(h[60..]) != Crc32C.Compute(h[..60])) return null;
        int format = BinaryPrimitives.ReadInt32LittleEndian(h[4..]);
        if (format is < 1 or > Format) return null;
        return new Checkpoint
        {
            ReadFormat = format,
            Generation = BinaryPrimitives.ReadInt64LittleEndian(h[8..]),
            LastSeq = BinaryPrimitives.ReadUInt64LittleEndian(h[16..]),
            NextBlock = BinaryPrimitives.ReadUInt64LittleEndian(h[24..]),
            NextId = BinaryPrimitives.ReadInt64LittleEndian(h[32..]),
            ClusterSize = BinaryPrimitives.ReadInt32LittleEndian(h[40..]),
        };
    }

    /// <summary>The whole checkpoint, or null when its header or payload fails its checksum.</summary>
    public static Checkpoint? Parse(ReadOnlySpan<byte> file)
    {
        var cp = ReadHeader(file);
        if (cp == null) return null;
        long length = BinaryPrimitives.ReadInt64LittleEndian(file[44..]);
        if (length < 0 || HeaderSize + length > file.Length) return null;
        var payload = file.Slice(HeaderSize, (int)length);
        if (Crc32C.Compute(payload) != BinaryPrimitives.ReadUInt32LittleEndian(file[52..])) return null;
        try { cp.ParsePayload(payload); }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or FormatException)
        {
            return null;
        }
        return cp;
    }

    private void ParsePayload(ReadOnlySpan<byte> p)
    {
        int pos = 0;
        if (ReadFormat >= 2)
        {
            PoolId = new Guid(p.Slice(0, 16));
            pos = 16;
        }
        int nodeCount = (int)GetU32(p, ref pos);
        var nodes = new MapNode[nodeCount + 1];
        for (int id = 1; id <= nodeCount; id++)
        {
            int level = p[pos++];
            int n = GetU16(p, ref pos);
            if (level >= MapNode.Levels || n > MapNode.Fanout) throw new FormatException("bad node");
            var node = level == 0 ? MapNode.NewLeaf() : MapNode.NewInner(level);
            node.Refs = 0;
            for (int k = 0; k < n; k++)
            {
                int i = p[pos++];
                if (level == 0)
                {
                    node.Entries![i] = GetU64(p, ref pos);
                    node.Allocated++;
                }
                else
                {
                    int childId = (int)GetU32(p, ref pos);
                    if (childId <= 0 || childId >= id || nodes[childId].Level != level - 1) throw new FormatException("bad child");
                    var child = nodes[childId];
                    node.Children![i] = child;
                    child.Refs++;
                    node.Allocated += child.Allocated;
                }
            }
            nodes[id] = node;
        }
        static MapNode? Root(ReadOnlySpan<byte> p, ref int position, MapNode[] nodes, int nodeCount)
        {
            int id = (int)GetU32(p, ref position);
            if (id < 0 || id > nodeCount || (id > 0 && nodes[id].Level != MapNode.Levels - 1)) throw new FormatException("bad root");
            return id == 0 ? null : nodes[id];
        }
        int volumeCount = (int)GetU32(p, ref pos);
        for (int v = 0; v < volumeCount; v++)
        {
            var vol = new VolumeImage
            {
                Id = (long)GetU64(p, ref pos), Size = (long)GetU64(p, ref pos), Created = (long)GetU64(p, ref pos),
                Name = GetString(p, ref pos), Origin = GetString(p, ref pos),
            };
            vol.Root = Root(p, ref pos, nodes, nodeCount);
            int snaps = (int)GetU32(p, ref pos);
            for (int s = 0; s < snaps; s++)
            {
                var snap = new SnapshotImage
                {
                    Id = (long)GetU64(p, ref pos), Size = (long)GetU64(p, ref pos), Created = (long)GetU64(p, ref pos),
                    Name = GetString(p, ref pos),
                };
                snap.Root = Root(p, ref pos, nodes, nodeCount);
                if (ReadFormat >= 2)
                {
                    snap.Meta = GetString(p, ref pos);
                    snap.Holds = GetString(p, ref pos);
                    snap.Pending = p[pos++] != 0;
                }
                vol.Snapshots.Add(snap);
            }
            Volumes.Add(vol);
        }
        if (pos != p.Length) throw new FormatException("trailing bytes");
    }

    private static void PutU8(IBufferWriter<byte> w, byte v) { w.GetSpan(1)[0] = v; w.Advance(1); }
    private static void PutU16(IBufferWriter<byte> w, ushort v) { BinaryPrimitives.WriteUInt16LittleEndian(w.GetSpan(2), v); w.Advance(2); }
    private static void PutU32(IBufferWriter<byte> w, uint v) { BinaryPrimitives.WriteUInt32LittleEndian(w.GetSpan(4), v); w.Advance(4); }
    private static void PutU64(IBufferWriter<byte> w, ulong v) { BinaryPrimitives.WriteUInt64LittleEndian(w.GetSpan(8), v); w.Advance(8); }
    private static void PutString(IBufferWriter<byte> w, string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        PutU16(w, (ushort)bytes.Length);
        w.Write(bytes);
    }

    private static ushort GetU16(ReadOnlySpan<byte> p, ref int pos) { var v = BinaryPrimitives.ReadUInt16LittleEndian(p[pos..]); pos += 2; return v; }
    private static uint GetU32(ReadOnlySpan<byte> p, ref int pos) { var v = BinaryPrimitives.ReadUInt32LittleEndian(p[pos..]); pos += 4; return v; }
    private static ulong GetU64(ReadOnlySpan<byte> p, ref int pos) { var v = BinaryPrimitives.ReadUInt64LittleEndian(p[pos..]); pos += 8; return v; }
    private static string GetString(ReadOnlySpan<byte> p, ref int pos)
    {
        int n = GetU16(p, ref pos);
        var s = Encoding.UTF8.GetString(p.Slice(pos, n));
        pos += n;
        return s;
    }
}
