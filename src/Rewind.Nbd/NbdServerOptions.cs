using System.Net;

namespace Rewind.Nbd;

/// <summary>Where and how the NBD server listens. Defaults: TCP 127.0.0.1:10809, no unix socket, no TLS.</summary>
public sealed record NbdServerOptions
{
    /// <summary>TCP endpoint; null for no TCP listener. Port 0 picks a free port (see <see cref="NbdServer.TcpEndPoint"/>).</summary>
    public IPEndPoint? TcpEndPoint { get; init; } = new(IPAddress.Loopback, 10809);

    /// <summary>Unix socket path; null for none. A stale socket file at the path is replaced.</summary>
    public string? UnixSocketPath { get; init; }

    /// <summary>PEM server certificate. With <see cref="TlsKeyFile"/> it enables NBD_OPT_STARTTLS.</summary>
    public string? TlsCertificateFile { get; init; }

    /// <summary>PEM private key (PKCS#8, PKCS#1 or EC) of <see cref="TlsCertificateFile"/>.</summary>
    public string? TlsKeyFile { get; init; }

    /// <summary>PEM CA certificate(s). When set, clients must present a certificate issued by one of them.</summary>
    public string? TlsClientCaFile { get; init; }

    /// <summary>Refuse every option but STARTTLS and ABORT until TLS is up (NBD "FORCEDTLS" mode).</summary>
    public bool TlsRequired { get; init; }

    /// <summary>Export served to clients that ask for the empty name ("default export"); null refuses them.</summary>
    public string? DefaultExport { get; init; }

    /// <summary>Requests one connection may have in flight before the server stops reading more.</summary>
    public int MaxInFlightRequestsPerConnection { get; init; } = 32;

    /// <summary>A client that has not finished option haggling within this time is disconnected.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long <see cref="NbdServer.StopAsync"/> waits for in-flight requests before closing anyway.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Receives one line per notable event (connections, protocol violations, I/O errors).</summary>
    public Action<string>? Log { get; init; }
}
