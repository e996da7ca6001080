using System.Net;
using Rewind.Engine;
using Rewind.Engine.Storage;
using Rewind.Nbd.Exports;
using Rewind.Nbd.Tests.Support;

namespace Rewind.Nbd.Tests;

/// <summary>
/// FLUSH and FUA against the engine's fault-injecting storage: what the server acknowledged as durable
/// survives a simulated power cut, across connections (the promise behind NBD_FLAG_CAN_MULTI_CONN).
/// </summary>
public sealed class DurabilityTests
{
    private static async Task<(Pool, NbdServer)> Start(SimulatedStorage storage)
    {
        var pool = Pool.Open("/sim", new PoolOptions { Storage = storage, BackgroundWork = false });
        var server = new NbdServer(new NbdServerOptions { TcpEndPoint = new IPEndPoint(IPAddress.Loopback, 0) }, new PoolExportCatalog(pool));
        await server.StartAsync();
        return (pool, server);
    }

    private static byte[] Pattern(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task AFlushOnOneConnectionMakesWritesAcknowledgedOnAnotherSurviveAPowerCut(int seed)
    {
        var storage = new SimulatedStorage();
        var (pool, server) = await Start(storage);
        pool.CreateVolume("v", 4 << 20);
        var a = Pattern(200_000, seed);
        var b = Pattern(70_000, seed + 100);
        var fua = Pattern(5000, seed + 200);
        SimulatedStorage crashed;
        using (var writer = new RawNbdClient(server.TcpEndPoint!.Port))
        using (var flusher = new RawNbdClient(server.TcpEndPoint!.Port))
        using (var late = new RawNbdClient(server.TcpEndPoint!.Port))
        {
            writer.Connect("v");
            flusher.Connect("v");
            late.Connect("v");
            Assert.NotEqual(0, writer.TransmissionFlags & 0x100); // CAN_MULTI_CONN
            Assert.Equal(0u, writer.Write(12345, a));
            Assert.Equal(0u, writer.Write(3 << 20, b));
            flusher.SendRequest(3, 0, 0, cookie: 77);
            Assert.Equal((0u, 77ul), flusher.ReadSimpleReply());
            late.SendRequest(1, 1 << 20, (uint)fua.Length, cookie: 78, flags: 1, payload: fua); // FUA write
            Assert.Equal((0u, 78ul), late.ReadSimpleReply());
            crashed = storage.Crash(new Random(seed), tear: true);
        }
        await server.StopAsync();
        pool.Dispose();

        using var after = Pool.Open("/sim", new PoolOptions { Storage = crashed, BackgroundWork = false });
        using var h = after.Open("v");
        var got = new byte[a.Length];
        h.Read(12345, got);
        Assert.Equal(a, got);
        got = new byte[b.Length];
        h.Read(3 << 20, got);
        Assert.Equal(b, got);
        got = new byte[fua.Length];
        h.Read(1 << 20, got);
        Assert.Equal(fua, got);
    }

    [Fact]
    public async Task DamagedDataIsAnEioForThatReadAndTheConnectionCarriesOn()
    {
        var storage = new SimulatedStorage();
        var (pool, server) = await Start(storage);
        try
        {
            pool.CreateVolume("v", 1 << 20);
            var data = Pattern(65536, 9);
            using (var h = pool.Open("v")) { h.Write(0, data); h.Write(65536, data); h.Flush(); }
            storage.FlipBit("data.000", 100, bit: 2); // the first cluster written lands at the start

            using var c = new RawNbdClient(server.TcpEndPoint!.Port);
            c.Connect("v");
            var errors = new List<uint>();
            for (int i = 0; i < 2; i++)
            {
                c.SendRequest(0, (ulong)(i * 65536), 4096, cookie: (ulong)i);
                var (error, _) = c.ReadSimpleReply();
                errors.Add(error);
                if (error == 0) c.ReadExactly(4096);
            }
            Assert.Contains(5u, errors);             // EIO for the damaged cluster
            Assert.Contains(0u, errors);             // the healthy one still reads
            Assert.Equal(0u, c.Write(200_000, [1])); // and the connection is in step
        }
        finally
        {
            await server.StopAsync();
            pool.Dispose();
        }
    }
}
