namespace Rewind.Server;

/// <summary>What `rewind serve` listens on. Defaults are private: loopback TCP and sockets in the pool directory.</summary>
public sealed record ServeOptions
{
    public required string PoolDirectory { get; init; }

    /// <summary>NBD over TCP as HOST:PORT; null turns TCP off.</summary>
    public string? NbdListen { get; init; } = "127.0.0.1:10809";

    /// <summary>NBD unix socket; default nbd.sock in the pool directory.</summary>
    public string? NbdSocket { get; init; }

    /// <summary>Control API unix socket; default api.sock in the pool directory.</summary>
    public string? ApiSocket { get; init; }

    /// <summary>Control API over TCP as HOST:PORT (token required); null (the default) keeps it off.</summary>
    public string? ApiListen { get; init; }

    /// <summary>File with the API bearer token; default api.token in the pool directory, created when missing.</summary>
    public string? ApiTokenFile { get; init; }

    /// <summary>PEM server certificate and key for NBD TLS (STARTTLS).</summary>
    public string? TlsCertificate { get; init; }
    public string? TlsKey { get; init; }

    /// <summary>PEM CA: when set, NBD clients must present a certificate it signed.</summary>
    public string? TlsClientCa { get; init; }

    /// <summary>Refuse NBD clients that do not upgrade to TLS (on by default whenever a certificate is given).</summary>
    public bool TlsRequired { get; init; } = true;

    /// <summary>Receives one line per notable server event (connections, protocol errors).</summary>
    public Action<string>? Log { get; init; }

    public string NbdSocketPath => NbdSocket ?? Path.Combine(PoolDirectory, "nbd.sock");
    public string ApiSocketPath => ApiSocket ?? Path.Combine(PoolDirectory, "api.sock");
    public string ApiTokenPath => ApiTokenFile ?? Path.Combine(PoolDirectory, "api.token");
}
