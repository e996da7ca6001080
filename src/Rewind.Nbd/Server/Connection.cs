using System.Net.Sockets;
using Rewind.Nbd.Exports;
using Rewind.Nbd.Protocol;

namespace Rewind.Nbd.Server;

/// <summary>
/// One client from accept to close: handshake (bounded by a timeout), then transmission. Nothing a
/// client sends can escape this object: every failure ends this connection only.
/// </summary>
internal sealed class Connection
{
    private readonly Socket _socket;
    private readonly IExportCatalog _catalog;
    private readonly NbdServerOptions _options;
    private readonly TlsSettings? _tls;
    private readonly Action<string> _log;
    private readonly string _peer;

    public Connection(Socket socket, IExportCatalog catalog, NbdServerOptions options, TlsSettings? tls, Action<string> log)
    {
        _socket = socket;
        _catalog = catalog;
        _options = options;
        _tls = tls;
        _peer = socket.RemoteEndPoint?.ToString() is { Length: > 0 } ep ? ep : "unix socket";
        _log = m => log($"nbd {_peer}: {m}");
    }

    public async Task RunAsync(CancellationToken stop)
    {
        if (_socket.AddressFamily != AddressFamily.Unix) _socket.NoDelay = true;
        Stream stream = new NetworkStream(_socket, ownsSocket: true);
        HandshakeResult? session = null;
        try
        {
            var handshake = new Handshake(stream, _catalog, _options, _tls, _log);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(_options.HandshakeTimeout);
                session = await handshake.RunAsync(timeout.Token);
            }
            finally
            {
                stream = handshake.CurrentStream;
            }
            if (session == null) return;
            string framing = session.Mode switch
            {
                ReplyMode.Extended => "extended headers",
                ReplyMode.Structured => "structured replies",
                _ => "simple replies",
            };
            _log($"serving {session.Export.Name} ({(session.Export.IsReadOnly ? "read-only" : "read-write")}, {framing})");
            var transmission = new Transmission(session, _options.MaxInFlightRequestsPerConnection, _log);
            await transmission.RunAsync(stop, _options.ShutdownGrace);
            if (stop.IsCancellationRequested && transmission.FatalReason == null && !session.Export.IsReadOnly)
            {
                // Server shutdown: make every write this client saw acknowledged durable before closing.
                try { session.Export.Flush(); }
                catch (Exception e) { _log($"flush at shutdown failed: {e.Message}"); }
            }
        }
        catch (OperationCanceledException)
        {
            if (!stop.IsCancellationRequested) _log("handshake timed out");
        }
        catch (ProtocolViolationException e)
        {
            _log($"protocol violation during handshake: {e.Message}");
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or SocketException or ObjectDisposedException)
        {
            _log($"connection ended: {e.Message}");
        }
        finally
        {
            session?.Reader.Dispose();
            session?.Export.Dispose();
            await CloseAsync(stream);
        }
    }

    private static async Task CloseAsync(Stream stream)
    {
        try
        {
            if (stream is System.Net.Security.SslStream ssl) await ssl.ShutdownAsync();
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException) { }
        try { await stream.DisposeAsync(); }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { }
    }
}
