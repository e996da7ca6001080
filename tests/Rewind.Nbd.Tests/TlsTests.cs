using System.Text.Json;
using Rewind.Nbd.Tests.Support;

namespace Rewind.Nbd.Tests;

/// <summary>STARTTLS with real clients: qemu (tls-creds-x509) and libnbd (nbds:// URIs).</summary>
public sealed class TlsTests
{
    private static Task<ServerFixture> StartTlsServer(TestCertificates certs, bool verifyClients) =>
        ServerFixture.StartAsync(o => o with
        {
            TlsCertificateFile = certs.ServerCert,
            TlsKeyFile = certs.ServerKey,
            TlsClientCaFile = verifyClients ? certs.CaCert : null,
            TlsRequired = true,
        });

    [Fact]
    public async Task QemuIoAndNbdinfoWorkOverTlsWithClientCertificates()
    {
        using var certs = TestCertificates.Create();
        await using var s = await StartTlsServer(certs, verifyClients: true);
        s.Pool.CreateVolume("secure", 4 << 20);

        var r = Tools.Ok("qemu-io",
            "--object", $"tls-creds-x509,id=tls0,dir={certs.ClientDirectory},endpoint=client",
            "--image-opts", $"driver=nbd,server.type=inet,server.host=127.0.0.1,server.port={s.Port},export=secure,tls-creds=tls0",
            "-c", "write -P 0x5a 12345 100000",
            "-c", "read -P 0x5a 12345 100000",
            "-c", "flush");
        Assert.DoesNotContain("Pattern verification failed", r.Stdout + r.Stderr);

        var info = Tools.Ok("nbdinfo", "--json", $"nbds://127.0.0.1:{s.Port}/secure?tls-certificates={certs.ClientDirectory}");
        var export = JsonDocument.Parse(info.Stdout).RootElement.GetProperty("exports")[0];
        Assert.Equal(4 << 20, export.GetProperty("export-size").GetInt64());

        using var h = s.Pool.Open("secure");
        var buf = new byte[100000];
        h.Read(12345, buf);
        Assert.All(buf, b => Assert.Equal(0x5a, b));
    }

    [Fact]
    public async Task PlaintextClientsAndClientsWithAnUntrustedCertificateAreRefused()
    {
        using var certs = TestCertificates.Create(untrustedClient: true);
        await using var s = await StartTlsServer(certs, verifyClients: true);
        s.Pool.CreateVolume("secure", 1 << 20);

        var plain = Tools.Run("nbdinfo", ["--size", s.TcpUri("secure")]);
        Assert.NotEqual(0, plain.ExitCode);

        // The client trusts the server (same CA file) but its own certificate comes from another CA.
        var untrusted = Tools.Run("nbdinfo", ["--size", $"nbds://127.0.0.1:{s.Port}/secure?tls-certificates={certs.ClientDirectory}"]);
        Assert.NotEqual(0, untrusted.ExitCode);
        Assert.True(await s.LoggedAsync(l => l.Contains("connection ended") && l.Contains("certificate", StringComparison.OrdinalIgnoreCase)),
            "the server did not log the refused certificate:\n" + string.Join("\n", s.Log));
    }

    [Fact]
    public async Task TlsIsOptionalUnlessRequired()
    {
        using var certs = TestCertificates.Create();
        await using var s = await ServerFixture.StartAsync(o => o with
        {
            TlsCertificateFile = certs.ServerCert,
            TlsKeyFile = certs.ServerKey,
        });
        s.Pool.CreateVolume("either", 1 << 20);
        Assert.Equal("1048576", Tools.Ok("nbdinfo", "--size", s.TcpUri("either")).Stdout.Trim());
        Assert.Equal("1048576", Tools.Ok("nbdinfo", "--size", $"nbds://127.0.0.1:{s.Port}/either?tls-certificates={certs.ClientDirectory}").Stdout.Trim());
    }
}
