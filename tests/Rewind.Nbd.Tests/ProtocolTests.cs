using System.Buffers.Binary;
using System.Text;
using Rewind.Engine;
using Rewind.Nbd.Tests.Support;

namespace Rewind.Nbd.Tests;

/// <summary>What real clients never send, sent from a raw socket: each gets the answer the spec asks for.</summary>
public sealed class ProtocolTests
{
    private const uint EPERM = 1, EINVAL = 22, ENOSPC = 28;
    private const uint RepAck = 1, ErrUnsup = 0x80000001, ErrInvalid = 0x80000003, ErrTlsReqd = 0x80000005, ErrUnknown = 0x80000006, ErrPolicy = 0x80000002;

    [Fact]
    public async Task HandshakeAnswersUnknownOptionsAndMissingExportsAndKeepsGoing()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("v", 1 << 20);
        using var c = new RawNbdClient(s.Port);
        c.Greet();
        Assert.Equal(3, c.HandshakeFlags); // fixed newstyle | no zeroes

        c.SendOption(99, [1, 2, 3]);
        Assert.Equal(ErrUnsup, c.ReadOptionReply().Type);
        c.SendOption(7, RawNbdClient.GoData("nope"));
        Assert.Equal(ErrUnknown, c.ReadOptionReply().Type);
        c.SendOption(7, RawNbdClient.GoData("../../etc/passwd"));
        Assert.Equal(ErrUnknown, c.ReadOptionReply().Type);
        c.SendOption(7, [0, 0, 0, 50, 0, 0]); // name length beyond the option
        Assert.Equal(ErrInvalid, c.ReadOptionReply().Type);
        c.SendOption(3, [1]); // LIST with data
        Assert.Equal(ErrInvalid, c.ReadOptionReply().Type);
        c.SendOption(5, []); // STARTTLS without TLS configured
        Assert.Equal(ErrPolicy, c.ReadOptionReply().Type);
        c.SendOption(10, RawNbdClient.GoData("v")); // SET_META_CONTEXT before structured replies
        Assert.Equal(ErrInvalid, c.ReadOptionReply().Type);

        c.SendOption(6, RawNbdClient.GoData("v", 1, 2, 3)); // INFO with name, description, block size
        var infos = new Dictionary<ushort, byte[]>();
        while (true)
        {
            var r = c.ReadOptionReply();
            if (r.Type == RepAck) break;
            Assert.Equal(3u, r.Type);
            infos[BinaryPrimitives.ReadUInt16BigEndian(r.Data)] = r.Data;
        }
        Assert.Equal(1 << 20, (long)BinaryPrimitives.ReadUInt64BigEndian(infos[0].AsSpan(2)));
        Assert.Equal("v", Encoding.UTF8.GetString(infos[1].AsSpan(2)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32BigEndian(infos[3].AsSpan(2)));
        Assert.Equal(65536u, BinaryPrimitives.ReadUInt32BigEndian(infos[3].AsSpan(6)));
        Assert.Equal(32u << 20, BinaryPrimitives.ReadUInt32BigEndian(infos[3].AsSpan(10)));

        c.SendOption(2, []);
        Assert.Equal(RepAck, c.ReadOptionReply().Type);
        Assert.True(c.IsClosedByServer());
    }

    [Fact]
    public async Task HandshakeViolationsDisconnectOnlyThatClient()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("v", 1 << 20);
        using var good = new RawNbdClient(s.Port);
        good.Connect("v");

        using (var c = new RawNbdClient(s.Port))
        {
            c.Greet();
            c.SendOptionRaw(0x1122334455667788, 7, 0, []); // bad magic
            Assert.True(c.IsClosedByServer());
        }
        using (var c = new RawNbdClient(s.Port))
        {
            c.Greet();
            c.SendOptionRaw(RawNbdClient.IHaveOpt, 7, 100 * 1024 * 1024, []); // absurd option length
            Assert.True(c.IsClosedByServer());
        }
        using (var c = new RawNbdClient(s.Port))
        {
            c.Greet(clientFlags: 0x80); // unknown client flag
            Assert.True(c.IsClosedByServer());
        }
        using (var c = new RawNbdClient(s.Port))
        {
            c.Greet();
            c.SendOption(1, Encoding.UTF8.GetBytes("missing")); // EXPORT_NAME cannot fail politely
            Assert.True(c.IsClosedByServer());
        }
        using (var c = new RawNbdClient(s.Port))
        {
            c.Greet();
            c.Send([0x49, 0x48, 0x41]); // truncated option header, then close
        }

        Assert.Equal(0u, good.Write(0, [1, 2, 3]));
        Assert.Equal(new byte[] { 1, 2, 3 }, good.Read(0, 3));
    }

    [Fact]
    public async Task RequestsAreValidatedBeforeTheEngineSeesThem()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("v", 1 << 20);
        s.Pool.CreateSnapshot("v", "snap");
        using var c = new RawNbdClient(s.Port);
        c.Connect("v");
        Assert.Equal(1 << 20, c.ExportSize);

        uint Error(ushort type, ulong offset, uint length, ushort flags = 0, byte[]? payload = null)
        {
            c.SendRequest(type, offset, length, cookie: 42, flags: flags, payload: payload);
            var (error, cookie) = c.ReadSimpleReply();
            Assert.Equal(42ul, cookie);
            return error;
        }

        Assert.Equal(EINVAL, Error(0, (1 << 20) - 10, 20));           // read past end
        Assert.Equal(EINVAL, Error(0, ulong.MaxValue - 5, 10));       // offset + length overflows
        Assert.Equal(EINVAL, Error(0, 0, 0));                         // zero length
        Assert.Equal(EINVAL, Error(0, 0, (32u << 20) + 1));           // over the maximum block size
        Assert.Equal(EINVAL, Error(99, 0, 512));                      // unknown command
        Assert.Equal(EINVAL, Error(0, 0, 512, flags: 0x40));          // unknown flag
        Assert.Equal(EINVAL, Error(1, 0, 4, flags: 0x10, payload: [1, 2, 3, 4])); // FAST_ZERO on a write
        Assert.Equal(ENOSPC, Error(1, (1 << 20) - 2, 4, payload: [1, 2, 3, 4])); // write past end
        Assert.Equal(ENOSPC, Error(6, (1 << 20) - 512, 1024));        // write zeroes past end
        Assert.Equal(EINVAL, Error(4, 1 << 20, 512));                 // trim past end
        Assert.Equal(EINVAL, Error(3, 1, 0));                         // flush with an offset
        Assert.Equal(EINVAL, Error(7, 0, 512));                       // block status without a context
        Assert.Equal(0u, Error(5, 0, 4096));                          // cache: a successful hint
        Assert.Equal(0u, Error(6, 4096, 8192, flags: 0x12));          // write zeroes, NO_HOLE | FAST_ZERO
        Assert.Equal(0u, Error(3, 0, 0));                             // flush

        // The connection is still in step after every refusal.
        Assert.Equal(0u, c.Write(100, [7, 7, 7]));
        Assert.Equal(new byte[] { 7, 7, 7 }, c.Read(100, 3));

        using var ro = new RawNbdClient(s.Port);
        ro.Connect("v@snap");
        Assert.NotEqual(0, ro.TransmissionFlags & 2); // READ_ONLY
        Assert.Equal(EPERM, ro.Write(0, [1]));
        ro.SendRequest(4, 0, 512, cookie: 5);
        Assert.Equal(EPERM, ro.ReadSimpleReply().Error);
        Assert.Equal(new byte[3], ro.Read(100, 3));
    }

    [Fact]
    public async Task BadRequestMagicDisconnectsTheClient()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("v", 1 << 20);
        using var c = new RawNbdClient(s.Port);
        c.Connect("v");
        c.SendRequest(0, 0, 512, magic: 0xdeadbeef);
        Assert.True(c.IsClosedByServer());
    }

    [Fact]
    public async Task AForcedRollbackDisconnectsClientsOfTheVolumeAndNewClientsSeeTheSnapshot()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("v", 1 << 20);
        using var c = new RawNbdClient(s.Port);
        c.Connect("v");
        Assert.Equal(0u, c.Write(0, [1, 1, 1, 1]));
        s.Pool.CreateSnapshot("v", "before");
        Assert.Equal(0u, c.Write(0, [2, 2, 2, 2]));

        Assert.Throws<RewindException>(() => s.Pool.Rollback("v", "before")); // busy while open
        s.Pool.Rollback("v", "before", force: true);

        // The next request meets a stale handle: no reply, the connection ends.
        c.SendRequest(0, 0, 4, cookie: 9);
        Assert.True(c.IsClosedByServer());

        using var fresh = new RawNbdClient(s.Port);
        fresh.Connect("v");
        Assert.Equal(new byte[] { 1, 1, 1, 1 }, fresh.Read(0, 4));
    }

    [Fact]
    public async Task StopFlushesAndClosesConnectedClients()
    {
        var s = await ServerFixture.StartAsync();
        try
        {
            s.Pool.CreateVolume("v", 1 << 20);
            using var c = new RawNbdClient(s.Port);
            c.Connect("v");
            Assert.Equal(0u, c.Write(4096, [5, 6, 7]));
            await s.Server.StopAsync();
            Assert.True(c.IsClosedByServer());
            Assert.Equal(0, s.Server.ConnectionCount);
            using var h = s.Pool.Open("v");
            var b = new byte[3];
            h.Read(4096, b);
            Assert.Equal(new byte[] { 5, 6, 7 }, b);
        }
        finally
        {
            await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task TlsRequiredRefusesPlaintextOptions()
    {
        using var certs = TestCertificates.Create();
        await using var s = await ServerFixture.StartAsync(o => o with
        {
            TlsCertificateFile = certs.ServerCert,
            TlsKeyFile = certs.ServerKey,
            TlsRequired = true,
        });
        s.Pool.CreateVolume("v", 1 << 20);
        using var c = new RawNbdClient(s.Port);
        c.Greet();
        c.SendOption(3, []);
        Assert.Equal(ErrTlsReqd, c.ReadOptionReply().Type);
        c.SendOption(7, RawNbdClient.GoData("v"));
        Assert.Equal(ErrTlsReqd, c.ReadOptionReply().Type);
        c.SendOption(1, Encoding.UTF8.GetBytes("v"));
        Assert.True(c.IsClosedByServer());
    }

    [Fact]
    public async Task AUnixSocketPathInUseOrHoldingAFileIsNeverTakenOver()
    {
        await using var s = await ServerFixture.StartAsync();
        var catalog = new Rewind.Nbd.Exports.PoolExportCatalog(s.Pool);
        var second = new NbdServer(new NbdServerOptions { TcpEndPoint = null, UnixSocketPath = s.Server.UnixSocketPath }, catalog);
        await Assert.ThrowsAsync<IOException>(() => second.StartAsync());

        var file = s.TempFile("not-a-socket");
        File.WriteAllText(file, "precious");
        var third = new NbdServer(new NbdServerOptions { TcpEndPoint = null, UnixSocketPath = file }, catalog);
        await Assert.ThrowsAsync<IOException>(() => third.StartAsync());
        Assert.Equal("precious", File.ReadAllText(file));
    }
}
