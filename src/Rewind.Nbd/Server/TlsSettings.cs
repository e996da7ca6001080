using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Rewind.Nbd.Server;

/// <summary>
/// The server's TLS identity, loaded once at start from PEM files, and the client-certificate policy:
/// with a CA file, a client must present a certificate that chains to one of those CAs (and only them).
/// </summary>
internal sealed class TlsSettings : IDisposable
{
    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2Collection? _clientCas;
    private readonly SslStreamCertificateContext _context;

    public bool Required { get; }

    private TlsSettings(X509Certificate2 certificate, X509Certificate2Collection? clientCas, bool required)
    {
        _certificate = certificate;
        _clientCas = clientCas;
        Required = required;
        _context = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
    }

    public static TlsSettings? Load(NbdServerOptions o)
    {
        if (o.TlsCertificateFile == null && o.TlsKeyFile == null)
        {
            if (o.TlsRequired || o.TlsClientCaFile != null)
                throw new ArgumentException("TLS options need TlsCertificateFile and TlsKeyFile");
            return null;
        }
        if (o.TlsCertificateFile == null || o.TlsKeyFile == null)
            throw new ArgumentException("TlsCertificateFile and TlsKeyFile must be given together");
        var cert = X509Certificate2.CreateFromPemFile(o.TlsCertificateFile, o.TlsKeyFile);
        if (!cert.HasPrivateKey)
            throw new ArgumentException($"{o.TlsKeyFile} holds no private key for {o.TlsCertificateFile}");
        X509Certificate2Collection? cas = null;
        if (o.TlsClientCaFile != null)
        {
            cas = new X509Certificate2Collection();
            cas.ImportFromPemFile(o.TlsClientCaFile);
            if (cas.Count == 0) throw new ArgumentException($"{o.TlsClientCaFile} holds no PEM certificate");
        }
        return new TlsSettings(cert, cas, o.TlsRequired);
    }

    public async Task<SslStream> AuthenticateAsync(Stream inner, CancellationToken ct)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false, ValidateClient);
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = _context,
            ClientCertificateRequired = _clientCas != null,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        try
        {
            await ssl.AuthenticateAsServerAsync(options, ct);
            return ssl;
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    private bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? _, SslPolicyErrors errors)
    {
        if (_clientCas == null) return true; // no client certificate asked for
        if (certificate == null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_clientCas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2")); // clientAuth
        using var cert = new X509Certificate2(certificate);
        return chain.Build(cert);
    }

    public void Dispose() => _certificate.Dispose();
}
