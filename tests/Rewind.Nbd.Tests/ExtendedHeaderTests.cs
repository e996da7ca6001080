using System.Buffers.Binary;
using System.Text;
using Rewind.Nbd.Tests.Support;

namespace Rewind.Nbd.Tests;

/// <summary>
/// NBD_OPT_EXTENDED_HEADERS and sparse reads, byte by byte from a raw socket: 32-byte requests with
/// 64-bit lengths, every reply a 32-byte chunk header carrying the request's offset, 64-bit block
/// status, and read replies that send zero runs as NBD_REPLY_TYPE_OFFSET_HOLE chunks. (The real
/// clients' view is in QemuExtendedHeaderTests and LibnbdClientTests.)
/// </summary>
public sealed class ExtendedHeaderTests
{
    private const uint RepAck = 1, RepMetaContext = 4, ErrInvalid = 0x80000003, ErrExtHeaderReqd = 0x8000000a;
    private const ushort Read = 0, Write = 1, WriteZeroes = 6, BlockStatus = 7;
    private const ushort FlagDontFragment = 1 << 2, FlagReqOne = 1 << 3, FlagPayloadLength = 1 << 5;
    private const ushort TypeNone = 0, TypeData = 1, TypeHole = 2, TypeBlockStatus = 5, TypeBlockStatusExt = 6, TypeError = 0x8001;
    private const long GiB = 1L << 30;
    private const int K4 = 4096;

    [Fact]
    public async Task ExtendedHeadersAreNegotiatedOnceAndIncludeStructuredReplies()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("v", 1 << 20);
        using var c = new RawNbdClient(s.Port);
        c.Greet();
        c.SendOption(11, [1]);
        Assert.Equal(ErrInvalid, c.ReadOptionReply().Type); // takes no data
        c.SendOption(11, []);
        Assert.Equal(RepAck, c.ReadOptionReply().Type);
        c.SendOption(11, []);
        Assert.Equal(ErrInvalid, c.ReadOptionReply().Type); // already on
        c.SendOption(8, []);
        Assert.Equal(ErrExtHeaderReqd, c.ReadOptionReply().Type); // structured replies come with them
        c.SendOption(9, MetaQuery("v", "base:allocation")); // contexts need no separate STRUCTURED_REPLY
        Assert.Equal(RepMetaContext, c.ReadOptionReply().Type);
        Assert.Equal(RepAck, c.ReadOptionReply().Type);
    }

    [Fact]
    public async Task ExtendedRequestsTakeSixtyFourBitLengthsAndEveryReplyIsAChunk()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("big", 8 * GiB);
        using var c = new RawNbdClient(s.Port);
        c.Connect("big", extended: true);
        Assert.NotEqual(0, c.TransmissionFlags & (1 << 7)); // NBD_FLAG_SEND_DF

        // A write past 4 GiB: the acknowledgement is an empty final chunk naming the request's offset.
        var pattern = Enumerable.Range(0, K4).Select(i => (byte)(i * 7 + 1)).ToArray();
        c.SendExtendedRequest(Write, (ulong)(5 * GiB), K4, cookie: 11, flags: FlagPayloadLength, payload: pattern);
        var ack = Assert.Single(c.ReadReply());
        Assert.Equal((TypeNone, 11ul, (ulong)(5 * GiB), 0), (ack.Type, ack.Cookie, ack.Offset, ack.Payload.Length));

        // Hole, data, hole: three chunks in order, the last one final.
        c.SendExtendedRequest(Read, (ulong)(5 * GiB - K4), 3 * K4, cookie: 12);
        var chunks = c.ReadReply();
        Assert.Equal(new[] { TypeHole, TypeData, TypeHole }, chunks.Select(x => x.Type));
        Assert.All(chunks, x => Assert.Equal((12ul, (ulong)(5 * GiB - K4)), (x.Cookie, x.Offset)));
        Assert.Equal(((ulong)(5 * GiB - K4), (uint)K4), Hole(chunks[0]));
        Assert.Equal((ulong)(5 * GiB), BinaryPrimitives.ReadUInt64BigEndian(chunks[1].Payload));
        Assert.Equal(pattern, chunks[1].Payload[8..]);
        Assert.Equal(((ulong)(5 * GiB + K4), (uint)K4), Hole(chunks[2]));

        // "Don't fragment": one data chunk with the zeros in it.
        c.SendExtendedRequest(Read, (ulong)(5 * GiB - K4), 3 * K4, cookie: 13, flags: FlagDontFragment);
        var whole = Assert.Single(c.ReadReply());
        Assert.Equal(TypeData, whole.Type);
        Assert.Equal(new byte[K4], whole.Payload[8..(8 + K4)]);
        Assert.Equal(pattern, whole.Payload[(8 + K4)..(8 + 2 * K4)]);

        // WRITE_ZEROES of 6 GiB, more than a 32-bit length can say, wipes the data at 5 GiB.
        c.SendExtendedRequest(WriteZeroes, (ulong)GiB, (ulong)(6 * GiB), cookie: 14);
        Assert.Equal(TypeNone, Assert.Single(c.ReadReply()).Type);
        c.SendExtendedRequest(Read, (ulong)(5 * GiB), K4, cookie: 15);
        Assert.Equal(((ulong)(5 * GiB), (uint)K4), Hole(Assert.Single(c.ReadReply())));

        // Errors are chunks too: past the end, and BLOCK_STATUS with no context selected.
        c.SendExtendedRequest(Write, (ulong)(8 * GiB - 10), 20, cookie: 16, flags: FlagPayloadLength, payload: new byte[20]);
        var error = Assert.Single(c.ReadReply());
        Assert.Equal((TypeError, 16ul, 28u), (error.Type, error.Cookie, BinaryPrimitives.ReadUInt32BigEndian(error.Payload))); // ENOSPC
        c.SendExtendedRequest(BlockStatus, 0, K4, cookie: 17);
        Assert.Equal(22u, BinaryPrimitives.ReadUInt32BigEndian(Assert.Single(c.ReadReply()).Payload)); // EINVAL

        // A payload on a command that takes none is read past and refused; the stream stays in step.
        c.SendExtendedRequest(Read, 0, 8, cookie: 18, flags: FlagPayloadLength, payload: new byte[8]);
        Assert.Equal((TypeError, 22u), Single(c.ReadReply()));
        c.SendExtendedRequest(Read, (ulong)(5 * GiB), K4, cookie: 19);
        Assert.Equal(TypeHole, Assert.Single(c.ReadReply()).Type);

        // The compact request magic no longer frames a request here: the server hangs up.
        c.SendExtendedRequest(Read, 0, K4, cookie: 20, magic: RawNbdClient.RequestMagic);
        Assert.True(c.IsClosedByServer());
    }

    [Fact]
    public async Task ExtendedBlockStatusDescribesRunsLongerThanFourGiB()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("big", 8 * GiB);
        using (var h = s.Pool.Open("big")) h.Write(0, new byte[64 * 1024].Select(_ => (byte)1).ToArray());
        using var c = new RawNbdClient(s.Port);
        c.Greet();
        c.SendOption(11, []);
        Assert.Equal(RepAck, c.ReadOptionReply().Type);
        c.SendOption(10, MetaQuery("big", "base:allocation"));
        var context = c.ReadOptionReply();
        Assert.Equal(RepMetaContext, context.Type);
        uint id = BinaryPrimitives.ReadUInt32BigEndian(context.Data);
        Assert.Equal(RepAck, c.ReadOptionReply().Type);
        c.Extended = true;
        GoAfterOptions(c, "big");

        c.SendExtendedRequest(BlockStatus, 0, (ulong)(8 * GiB), cookie: 5);
        var chunk = Assert.Single(c.ReadReply());
        Assert.Equal(TypeBlockStatusExt, chunk.Type);
        var p = chunk.Payload;
        Assert.Equal(id, BinaryPrimitives.ReadUInt32BigEndian(p));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4)));
        Assert.Equal(8 + 2 * 16, p.Length);
        Assert.Equal((65536ul, 0ul), Descriptor(p, 0));
        Assert.Equal(((ulong)(8 * GiB - 65536), 3ul), Descriptor(p, 1)); // hole | zero, longer than 2^32

        c.SendExtendedRequest(BlockStatus, 0, (ulong)(8 * GiB), cookie: 6, flags: FlagReqOne);
        var one = Assert.Single(c.ReadReply());
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(one.Payload.AsSpan(4)));
        Assert.Equal((65536ul, 0ul), Descriptor(one.Payload, 0));
    }

    [Fact]
    public async Task StructuredReadsSendZeroRunsAsHoleChunks()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("v", 1 << 20);
        var data = Enumerable.Range(0, 10000).Select(i => (byte)(i % 251 + 1)).ToArray();
        using (var h = s.Pool.Open("v")) h.Write(3 * K4, data); // data from 12288 to 22288
        using var c = new RawNbdClient(s.Port);
        c.Connect("v", structured: true);

        // Unaligned on both ends: runs break at 4 KiB multiples of the export offset.
        c.SendRequest(Read, 100, 8 * K4, cookie: 3);
        var chunks = c.ReadReply();
        Assert.Equal(new[] { TypeHole, TypeData, TypeHole }, chunks.Select(x => x.Type));
        Assert.Equal((100ul, (uint)(3 * K4 - 100)), Hole(chunks[0]));
        Assert.Equal((ulong)(3 * K4), BinaryPrimitives.ReadUInt64BigEndian(chunks[1].Payload));
        var middle = chunks[1].Payload[8..];
        Assert.Equal(3 * K4, middle.Length); // 12288..24576: the last granule holds the data's tail
        Assert.Equal(data, middle[..data.Length]);
        Assert.Equal(((ulong)(6 * K4), (uint)(2 * K4 + 100)), Hole(chunks[2]));
        Assert.True(chunks[2].Done);

        // Without structured replies the same read is one simple reply with the zeros in it.
        using var simple = new RawNbdClient(s.Port);
        simple.Connect("v");
        var bytes = simple.Read(100, 8 * K4);
        Assert.Equal(data, bytes[(3 * K4 - 100)..(3 * K4 - 100 + data.Length)]);
        Assert.Equal(0, bytes.Count(b => b != 0) - data.Length);
    }

    private static (ulong, uint) Hole(RawNbdClient.Chunk c)
    {
        Assert.Equal(TypeHole, c.Type);
        Assert.Equal(12, c.Payload.Length);
        return (BinaryPrimitives.ReadUInt64BigEndian(c.Payload), BinaryPrimitives.ReadUInt32BigEndian(c.Payload.AsSpan(8)));
    }

    private static (ushort, uint) Single(List<RawNbdClient.Chunk> reply)
    {
        var c = Assert.Single(reply);
        return (c.Type, BinaryPrimitives.ReadUInt32BigEndian(c.Payload));
    }

    private static (ulong, ulong) Descriptor(byte[] payload, int i) =>
        (BinaryPrimitives.ReadUInt64BigEndian(payload.AsSpan(8 + 16 * i)), BinaryPrimitives.ReadUInt64BigEndian(payload.AsSpan(16 + 16 * i)));

    /// <summary>LIST/SET_META_CONTEXT data: export name, then the queries.</summary>
    private static byte[] MetaQuery(string export, params string[] queries)
    {
        var b = new List<byte>();
        void U32(int v) { var x = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(x, v); b.AddRange(x); }
        U32(Encoding.UTF8.GetByteCount(export));
        b.AddRange(Encoding.UTF8.GetBytes(export));
        U32(queries.Length);
        foreach (var q in queries) { U32(Encoding.UTF8.GetByteCount(q)); b.AddRange(Encoding.UTF8.GetBytes(q)); }
        return b.ToArray();
    }

    private static void GoAfterOptions(RawNbdClient c, string export)
    {
        c.SendOption(7, RawNbdClient.GoData(export));
        while (c.ReadOptionReply().Type != RepAck) { }
    }
}
