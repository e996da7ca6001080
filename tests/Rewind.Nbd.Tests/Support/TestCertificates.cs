using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Rewind.Nbd.Tests.Support;

/// <summary>
/// A throwaway PKI in a temporary directory: a CA, a server certificate for 127.0.0.1/localhost, and a
/// client certificate, as PEM files. The client directory uses the names qemu's tls-creds-x509 and
/// libnbd's tls-certificates expect: ca-cert.pem, client-cert.pem, client-key.pem.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public string Directory { get; }
    public string ClientDirectory => Path.Combine(Directory, "client");
    public string CaCert => Path.Combine(Directory, "ca-cert.pem");
    public string ServerCert => Path.Combine(Directory, "server-cert.pem");
    public string ServerKey => Path.Combine(Directory, "server-key.pem");

    private TestCertificates(string dir) => Directory = dir;

    /// <param name="untrustedClient">Issue the client certificate from a different, untrusted CA.</param>
    public static TestCertificates Create(bool untrustedClient = false)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"rewind-tls-{Guid.NewGuid():N}");
        var certs = new TestCertificates(dir);
        System.IO.Directory.CreateDirectory(certs.ClientDirectory);

        using var caKey = RSA.Create(2048);
        using var ca = SelfSignedCa("CN=Rewind Test CA", caKey);
        File.WriteAllText(certs.CaCert, ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(certs.ClientDirectory, "ca-cert.pem"), ca.ExportCertificatePem());

        using var serverKey = RSA.Create(2048);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        using var server = Issue(ca, caKey, "CN=localhost", serverKey, "1.3.6.1.5.5.7.3.1", san.Build());
        File.WriteAllText(certs.ServerCert, server.ExportCertificatePem());
        File.WriteAllText(certs.ServerKey, serverKey.ExportPkcs8PrivateKeyPem());

        using var clientKey = RSA.Create(2048);
        using var otherCaKey = RSA.Create(2048);
        using var otherCa = SelfSignedCa("CN=Somebody Else's CA", otherCaKey);
        using var client = untrustedClient
            ? Issue(otherCa, otherCaKey, "CN=rewind-client", clientKey, "1.3.6.1.5.5.7.3.2", null)
            : Issue(ca, caKey, "CN=rewind-client", clientKey, "1.3.6.1.5.5.7.3.2", null);
        File.WriteAllText(Path.Combine(certs.ClientDirectory, "client-cert.pem"), client.ExportCertificatePem());
        File.WriteAllText(Path.Combine(certs.ClientDirectory, "client-key.pem"), clientKey.ExportPkcs8PrivateKeyPem());
        return certs;
    }

    private static X509Certificate2 SelfSignedCa(string subject, RSA key)
    {
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, RSA _, string subject, RSA key, string usageOid, X509Extension? san)
    {
        var req = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (san != null) req.CertificateExtensions.Add(san);
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        return req.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), serial);
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
