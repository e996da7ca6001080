using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Rewind.Nbd.Tests.Support;

/// <summary>
/// A deliberately minimal NBD client over a raw socket, for what real clients refuse to send:
/// malformed handshakes, bad requests, fuzzed bytes. Speaks just enough to check the server's answers.
/// </summary>
public sealed class RawNbdClient : IDisposable
{
    public const ulong IHaveOpt = 0x49484156454F5054;
    public const uint RequestMagic = 0x25609513;
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    public RawNbdClient(int port)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _socket.Connect(System.Net.IPAddress.Loopback, port);
        _socket.ReceiveTimeout = 20_000;
        _socket.SendTimeout = 20_000;
        _stream = new NetworkStream(_socket, ownsSocket: true);
    }

    public ushort HandshakeFlags { get; private set; }
    public long ExportSize { get; private set; }
    public ushort TransmissionFlags { get; private set; }

    /// <summary>Reads the server greeting and sends client flags (fixed newstyle, no zeroes).</summary>
    public void Greet(uint clientFlags = 3)
    {
        var g = ReadExactly(18);
        if (BinaryPrimitives.ReadUInt64BigEndian(g) != 0x4e42444d41474943) throw new InvalidDataException("no NBDMAGIC");
        if (BinaryPrimitives.ReadUInt64BigEndian(g.AsSpan(8)) != IHaveOpt) throw new InvalidDataException("no IHAVEOPT");
        HandshakeFlags = BinaryPrimitives.ReadUInt16BigEndian(g.AsSpan(16));
        var f = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(f, clientFlags);
        Send(f);
    }

    public void SendOption(uint option, ReadOnlySpan<byte> data) => SendOptionRaw(IHaveOpt, option, (uint)data.Length, data);

    public void SendOptionRaw(ulong magic, uint option, uint declaredLength, ReadOnlySpan<byte> data)
    {
        var b = new byte[16 + data.Length];
        BinaryPrimitives.WriteUInt64BigEndian(b, magic);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(8), option);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(12), declaredLength);
        data.CopyTo(b.AsSpan(16));
        Send(b);
    }

    public (uint Option, uint Type, byte[] Data) ReadOptionReply()
    {
        var h = ReadExactly(20);
        if (BinaryPrimitives.ReadUInt64BigEndian(h) != 0x3e889045565a9) throw new InvalidDataException("bad option reply magic");
        uint len = BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(16));
        return (BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(8)), BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(12)), ReadExactly((int)len));
    }

    public static byte[] GoData(string name, params ushort[] infos)
    {
        var n = Encoding.UTF8.GetBytes(name);
        var b = new byte[4 + n.Length + 2 + 2 * infos.Length];
        BinaryPrimitives.WriteUInt32BigEndian(b, (uint)n.Length);
        n.CopyTo(b, 4);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4 + n.Length), (ushort)infos.Length);
        for (int i = 0; i < infos.Length; i++) BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6 + n.Length + 2 * i), infos[i]);
        return b;
    }

    /// <summary>
    /// Greets and enters transmission on an export with NBD_OPT_GO; structured replies or extended
    /// headers (<see cref="Extended"/> from then on) optional.
    /// </summary>
    public void Connect(string export, bool structured = false, bool extended = false)
    {
        Greet();
        if (structured || extended)
        {
            SendOption(extended ? 11u : 8u, []);
            var sr = ReadOptionReply();
            if (sr.Type != 1) throw new InvalidDataException($"option refused: {sr.Type:x}");
            Extended = extended;
        }
        SendOption(7, GoData(export));
        while (true)
        {
            var r = ReadOptionReply();
            if (r.Type == 1) return;
            if (r.Type != 3) throw new InvalidDataException($"GO failed with reply type 0x{r.Type:x}: {Encoding.UTF8.GetString(r.Data)}");
            if (BinaryPrimitives.ReadUInt16BigEndian(r.Data) == 0)
            {
                ExportSize = (long)BinaryPrimitives.ReadUInt64BigEndian(r.Data.AsSpan(2));
                TransmissionFlags = BinaryPrimitives.ReadUInt16BigEndian(r.Data.AsSpan(10));
            }
        }
    }

    public void SendRequest(ushort type, ulong offset, uint length, ulong cookie = 1, ushort flags = 0, ReadOnlySpan<byte> payload = default, uint magic = RequestMagic) =>
        SendHeader(extendedLength: false, magic, flags, type, cookie, offset, length, payload);

    /// <summary>A request header, compact (32-bit length, 28 bytes) or extended (64-bit, 32 bytes), then the payload as it is.</summary>
    private void SendHeader(bool extendedLength, uint magic, ushort flags, ushort type, ulong cookie, ulong offset, ulong length, ReadOnlySpan<byte> payload)
    {
        int header = extendedLength ? 32 : 28;
        var b = new byte[header + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(b, magic);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), flags);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), type);
        BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(8), cookie);
        BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(16), offset);
        if (extendedLength) BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(24), length);
        else BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(24), checked((uint)length));
        payload.CopyTo(b.AsSpan(header));
        Send(b);
    }

    /// <summary>Requests and reply chunks use the 32-byte extended headers (NBD_OPT_EXTENDED_HEADERS).</summary>
    public bool Extended { get; set; }

    public const uint ExtendedRequestMagic = 0x21e41c71;
    public const uint ExtendedReplyMagic = 0x6e8a278c;

    /// <summary>An extended request: 64-bit length; <paramref name="payload"/> follows the header as it is.</summary>
    public void SendExtendedRequest(ushort type, ulong offset, ulong length, ulong cookie = 1, ushort flags = 0,
        ReadOnlySpan<byte> payload = default, uint magic = ExtendedRequestMagic) =>
        SendHeader(extendedLength: true, magic, flags, type, cookie, offset, length, payload);

    /// <summary>One reply chunk, structured (20-byte header) or extended (32-byte header, with the request's offset).</summary>
    public sealed record Chunk(ushort Flags, ushort Type, ulong Cookie, ulong Offset, byte[] Payload)
    {
        public bool Done => (Flags & 1) != 0;
    }

    /// <summary>Reads one reply chunk in the connection's framing; a simple reply here is an error.</summary>
    public Chunk ReadChunk()
    {
        var h = ReadExactly(Extended ? 32 : 20);
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(h);
        uint expected = Extended ? ExtendedReplyMagic : 0x668e33efu;
        if (magic != expected) throw new InvalidDataException($"reply magic 0x{magic:x8}, expected 0x{expected:x8}");
        ulong length = Extended ? BinaryPrimitives.ReadUInt64BigEndian(h.AsSpan(24)) : BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(16));
        return new Chunk(BinaryPrimitives.ReadUInt16BigEndian(h.AsSpan(4)), BinaryPrimitives.ReadUInt16BigEndian(h.AsSpan(6)),
            BinaryPrimitives.ReadUInt64BigEndian(h.AsSpan(8)), Extended ? BinaryPrimitives.ReadUInt64BigEndian(h.AsSpan(16)) : 0,
            ReadExactly(checked((int)length)));
    }

    /// <summary>Reads chunks up to and including the one flagged done.</summary>
    public List<Chunk> ReadReply()
    {
        var chunks = new List<Chunk>();
        do chunks.Add(ReadChunk()); while (!chunks[^1].Done);
        return chunks;
    }

    /// <summary>Reads a simple reply: (error, cookie); read data, if any, follows and is read by the caller.</summary>
    public (uint Error, ulong Cookie) ReadSimpleReply()
    {
        var h = ReadExactly(16);
        if (BinaryPrimitives.ReadUInt32BigEndian(h) != 0x67446698) throw new InvalidDataException("not a simple reply");
        return (BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(4)), BinaryPrimitives.ReadUInt64BigEndian(h.AsSpan(8)));
    }

    public byte[] Read(long offset, int length, ulong cookie = 1)
    {
        SendRequest(0, (ulong)offset, (uint)length, cookie);
        var (error, c) = ReadSimpleReply();
        if (c != cookie) throw new InvalidDataException($"reply cookie {c}, expected {cookie}");
        if (error != 0) throw new IOException($"read failed with NBD error {error}");
        return ReadExactly(length);
    }

    public uint Write(long offset, byte[] data, ulong cookie = 1)
    {
        SendRequest(1, (ulong)offset, (uint)data.Length, cookie, payload: data);
        return ReadSimpleReply().Error;
    }

    public void Send(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

    public byte[] ReadExactly(int n)
    {
        var b = new byte[n];
        _stream.ReadExactly(b);
        return b;
    }

    /// <summary>True when the server has closed the connection (read returns end of stream or resets).</summary>
    public bool IsClosedByServer()
    {
        try
        {
            var one = new byte[1];
            return _stream.Read(one) == 0;
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.TimedOut })
        {
            return false; // still open, merely silent: the server did not hang up
        }
        catch (IOException)
        {
            return true; // reset by the server
        }
    }

    public void Dispose() => _stream.Dispose();
}
