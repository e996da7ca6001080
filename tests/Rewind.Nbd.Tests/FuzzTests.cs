using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Rewind.Nbd.Tests.Support;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Rewind.Nbd.Tests;

/// <summary>
/// Random and mutated packets at both protocol phases from raw sockets, then proof that nothing leaked:
/// a volume no fuzz client touched reads back exactly, a normal client still works, and scrub is clean.
/// The seed is printed and can be replayed with REWIND_FUZZ_SEED.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private const int Iterations = 400;
    private static readonly TimeSpan TimeBudget = TimeSpan.FromSeconds(25);

    [Fact]
    public async Task RandomAndMutatedPacketsNeverHurtTheServerOrOtherVolumes()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("REWIND_FUZZ_SEED"), out var s0) ? s0 : 20261121;
        output.WriteLine($"fuzz seed {seed} (replay with REWIND_FUZZ_SEED={seed})");
        await using var s = await ServerFixture.StartAsync(o => o with { HandshakeTimeout = TimeSpan.FromSeconds(5) });
        const int size = 1 << 20;
        s.Pool.CreateVolume("precious", size);
        s.Pool.CreateVolume("scratch", size);
        s.Pool.CreateSnapshot("scratch", "s1");
        var precious = new byte[size];
        new Random(seed ^ 0x5eed).NextBytes(precious);
        using (var h = s.Pool.Open("precious")) { h.Write(0, precious); h.Flush(); }

        try
        {
            var clock = Stopwatch.StartNew();
            var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
            {
                var rng = new Random(seed + w);
                for (int i = w; i < Iterations && clock.Elapsed < TimeBudget; i += 4)
                    FuzzOnce(s.Port, rng, i % 2 == 0);
            })).ToArray();
            await Task.WhenAll(workers);
            output.WriteLine($"{Iterations} fuzz connections in {clock.Elapsed.TotalSeconds:0.0}s");

            using var c = new RawNbdClient(s.Port);
            c.Connect("precious");
            for (int off = 0; off < size; off += 256 * 1024)
                Assert.Equal(precious.AsSpan(off, 256 * 1024).ToArray(), c.Read(off, 256 * 1024));
            Assert.Equal(size, s.Pool.GetVolume("scratch").SizeBytes);
            Assert.True(s.Pool.Scrub(null).Clean);
            lock (s.Log)
            {
                Assert.Contains(s.Log, l => l.Contains("serving scratch")); // the transmission phase was reached
                Assert.Contains(s.Log, l => l.Contains("serving scratch") && l.Contains("extended headers")); // in both framings
                Assert.Contains(s.Log, l => l.Contains("serving scratch") && !l.Contains("extended headers"));
                Assert.DoesNotContain(s.Log, l => l.Contains("internal error"));
            }
        }
        catch (Exception e) when (e is not XunitException)
        {
            throw new XunitException($"fuzz seed {seed}: {e}");
        }
    }

    private static void FuzzOnce(int port, Random rng, bool handshakePhase)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(System.Net.IPAddress.Loopback, port);
        socket.ReceiveTimeout = 2000;
        socket.SendTimeout = 2000;
        socket.LingerState = new LingerOption(true, 0); // close with a reset: the server must cope
        try
        {
            Drain(socket, 18); // greeting
            var bytes = handshakePhase ? HandshakeBytes(rng) : TransmissionBytes(rng, socket);
            if (bytes == null) return;
            Mutate(bytes, rng);
            socket.Send(bytes);
            Drain(socket, 64 * 1024);
        }
        catch (SocketException) { }  // the server hung up on us: expected for bad input
        catch (IOException) { }
    }

    /// <summary>Client flags and a few options: sometimes plausible, sometimes noise.</summary>
    private static byte[] HandshakeBytes(Random rng)
    {
        var ms = new MemoryStream();
        if (rng.Next(5) == 0)
        {
            var noise = new byte[rng.Next(1, 300)];
            rng.NextBytes(noise);
            return noise;
        }
        Put32(ms, (uint)rng.Next(4));
        int options = rng.Next(1, 6);
        for (int i = 0; i < options; i++)
        {
            uint option = (uint)rng.Next(0, 14);
            byte[] data = option switch
            {
                6 or 7 => RawNbdClient.GoData(rng.Next(3) == 0 ? "scratch" : RandomName(rng), 0, 1, 2, 3),
                9 or 10 => MetaQuery(rng),
                1 => Encoding.UTF8.GetBytes(rng.Next(2) == 0 ? "scratch@s1" : RandomName(rng)),
                _ => RandomBytes(rng, rng.Next(0, 40)),
            };
            Put64(ms, RawNbdClient.IHaveOpt);
            Put32(ms, option);
            Put32(ms, rng.Next(8) == 0 ? (uint)rng.Next() : (uint)data.Length);
            ms.Write(data);
        }
        return ms.ToArray();
    }

    /// <summary>Negotiates a real session (GO on the scratch volume or its snapshot), then returns request noise.</summary>
    private static byte[]? TransmissionBytes(Random rng, Socket socket)
    {
        var ms = new MemoryStream();
        Put32(ms, 3);
        bool extended = rng.Next(3) == 0; // NBD_OPT_EXTENDED_HEADERS: 32-byte requests with 64-bit lengths
        if (extended || rng.Next(2) == 0)
        {
            Put64(ms, RawNbdClient.IHaveOpt); Put32(ms, extended ? 11u : 8u); Put32(ms, 0);
            var q = MetaQueryFor("scratch", "base:allocation", "rewind:changed:s1");
            Put64(ms, RawNbdClient.IHaveOpt); Put32(ms, 10); Put32(ms, (uint)q.Length); ms.Write(q);
        }
        var go = RawNbdClient.GoData(rng.Next(4) == 0 ? "scratch@s1" : "scratch");
        Put64(ms, RawNbdClient.IHaveOpt); Put32(ms, 7); Put32(ms, (uint)go.Length); ms.Write(go);
        socket.Send(ms.ToArray());
        Drain(socket, 4096);

        var requests = new MemoryStream();
        int count = rng.Next(1, 20);
        for (int i = 0; i < count; i++)
        {
            ushort type = (ushort)(rng.Next(6) == 0 ? rng.Next(0, 20) : rng.Next(0, 8));
            if (type == 2) type = 0; // keep DISC out: it would end the fun early
            ulong length = rng.Next(4) switch
            {
                0 => 0,
                1 => (ulong)rng.Next(1, 70_000),
                2 => extended && rng.Next(2) == 0 ? (ulong)rng.NextInt64() : (ulong)rng.Next(),
                _ => (ulong)rng.Next(1, 4096),
            };
            ulong offset = rng.Next(4) switch
            {
                0 => (ulong)rng.NextInt64(),
                1 => ulong.MaxValue - (ulong)rng.Next(0, 1000),
                _ => (ulong)rng.Next(0, 1 << 20),
            };
            uint magic = extended ? RawNbdClient.ExtendedRequestMagic : RawNbdClient.RequestMagic;
            Put32(requests, rng.Next(30) == 0 ? (uint)rng.Next() : magic);
            ushort flags = (ushort)(rng.Next(3) == 0 ? rng.Next(0, 1 << 16) : rng.Next(0, 64));
            Put16(requests, flags);
            Put16(requests, type);
            Put64(requests, (ulong)i);
            Put64(requests, offset);
            if (extended) Put64(requests, length);
            else Put32(requests, (uint)length);
            bool payload = type == 1 || (extended && (flags & (1 << 5)) != 0);
            if (payload) requests.Write(RandomBytes(rng, (int)Math.Min(length, 70_000ul)));
        }
        return requests.ToArray();
    }

    private static void Mutate(byte[] bytes, Random rng)
    {
        if (bytes.Length == 0 || rng.Next(3) == 0) return; // a third go out intact
        int flips = rng.Next(1, 4);
        for (int i = 0; i < flips; i++) bytes[rng.Next(bytes.Length)] ^= (byte)(1 << rng.Next(8));
    }

    private static byte[] MetaQuery(Random rng) =>
        rng.Next(3) == 0 ? RandomBytes(rng, rng.Next(0, 64)) : MetaQueryFor("scratch", "base:", "rewind:changed:s1", RandomName(rng) + ":" + RandomName(rng));

    private static byte[] MetaQueryFor(string export, params string[] queries)
    {
        var ms = new MemoryStream();
        var name = Encoding.UTF8.GetBytes(export);
        Put32(ms, (uint)name.Length);
        ms.Write(name);
        Put32(ms, (uint)queries.Length);
        foreach (var q in queries)
        {
            var b = Encoding.UTF8.GetBytes(q);
            Put32(ms, (uint)b.Length);
            ms.Write(b);
        }
        return ms.ToArray();
    }

    private static string RandomName(Random rng) =>
        new(Enumerable.Range(0, rng.Next(0, 12)).Select(_ => "ab@/.:-\0é"[rng.Next(9)]).ToArray());

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    /// <summary>Reads whatever the server sends, up to a bound, until it closes or goes quiet.</summary>
    private static void Drain(Socket socket, int max)
    {
        var buf = new byte[8192];
        int total = 0;
        while (total < max)
        {
            int n;
            try { n = socket.Receive(buf); }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut || e.SocketErrorCode == SocketError.WouldBlock) { return; }
            if (n == 0) return;
            total += n;
            if (socket.Available == 0 && total >= 18) return;
        }
    }

    private static void Put16(Stream s, ushort v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteUInt16BigEndian(b, v); s.Write(b); }
    private static void Put32(Stream s, uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32BigEndian(b, v); s.Write(b); }
    private static void Put64(Stream s, ulong v) { Span<byte> b = stackalloc byte[8]; BinaryPrimitives.WriteUInt64BigEndian(b, v); s.Write(b); }
}
