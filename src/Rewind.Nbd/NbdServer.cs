using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Rewind.Nbd.Exports;
using Rewind.Nbd.Server;

namespace Rewind.Nbd;

/// <summary>
/// An NBD server (fixed-newstyle, structured replies, block status, TLS) over an
/// <see cref="IExportCatalog"/>, on TCP and/or a unix socket, serving any number of clients at once.
/// See docs/nbd.md for what the protocol layer supports.
/// </summary>
public sealed class NbdServer : IAsyncDisposable
{
    private readonly NbdServerOptions _options;
    private readonly IExportCatalog _catalog;
    private readonly Action<string> _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Connection, Task> _connections = new();
    private readonly List<Socket> _listeners = [];
    private readonly List<Task> _acceptLoops = [];
    private TlsSettings? _tls;
    private int _state; // 0 new, 1 started, 2 stopped

    public NbdServer(NbdServerOptions options, IExportCatalog catalog)
    {
        _options = options;
        _catalog = catalog;
        _log = options.Log ?? (_ => { });
    }

    /// <summary>The bound TCP endpoint (with the real port when 0 was asked for), or null.</summary>
    public IPEndPoint? TcpEndPoint { get; private set; }

    /// <summary>The unix socket path being listened on, or null.</summary>
    public string? UnixSocketPath { get; private set; }

    /// <summary>Connections currently open (handshaking or transmitting).</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Loads TLS material, binds the listeners and starts accepting.</summary>
    public Task StartAsync(CancellationToken ct = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
            throw new InvalidOperationException("the server was already started");
        if (_options.TcpEndPoint == null && _options.UnixSocketPath == null)
            throw new ArgumentException("give a TCP endpoint, a unix socket path, or both");
        try
        {
            _tls = TlsSettings.Load(_options);
            if (_options.TcpEndPoint != null)
            {
                var tcp = new Socket(_options.TcpEndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                _listeners.Add(tcp);
                tcp.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                tcp.Bind(_options.TcpEndPoint);
                tcp.Listen(128);
                TcpEndPoint = (IPEndPoint)tcp.LocalEndPoint!;
            }
            if (_options.UnixSocketPath != null)
            {
                var path = Path.GetFullPath(_options.UnixSocketPath);
                RemoveStaleSocket(path);
                var unix = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                _listeners.Add(unix);
                unix.Bind(new UnixDomainSocketEndPoint(path));
                unix.Listen(128);
                UnixSocketPath = path;
            }
        }
        catch
        {
            foreach (var l in _listeners) l.Dispose();
            _listeners.Clear();
            _tls?.Dispose();
            _tls = null;
            TcpEndPoint = null;
            UnixSocketPath = null;
            Volatile.Write(ref _state, 0); // nothing was started: a corrected retry may start again
            throw;
        }
        foreach (var listener in _listeners)
            _acceptLoops.Add(Task.Run(() => AcceptLoopAsync(listener)));
        _log($"nbd: listening on {string.Join(" and ", new[] { TcpEndPoint?.ToString(), UnixSocketPath }.Where(s => s != null))}" +
             (_tls == null ? "" : _tls.Required ? " (TLS required)" : " (TLS available)"));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Deletes a socket file left by a previous run, but never a live server's socket nor a file with
    /// content (a mistyped path must not destroy data).
    /// </summary>
    private static void RemoveStaleSocket(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) return;
        using (var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            try
            {
                probe.Connect(new UnixDomainSocketEndPoint(path));
                throw new IOException($"another server is already listening on {path}");
            }
            catch (SocketException) { /* nobody listening: stale */ }
        }
        if (info.Length != 0) throw new IOException($"{path} exists and is not a socket; refusing to replace it");
        info.Delete();
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stop.Token);
            }
            catch (OperationCanceledException) { break; }
            catch (ObjectDisposedException) { break; }
            catch (SocketException e)
            {
                _log($"nbd: accept failed: {e.Message}");
                continue;
            }
            var connection = new Connection(client, _catalog, _options, _tls, _log);
            // Registered before it runs and removed before its task completes, so StopAsync's wait
            // sees every connection and ConnectionCount is exact once that wait returns.
            var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var run = Task.Run(async () =>
            {
                await registered.Task;
                try { await connection.RunAsync(_stop.Token); }
                finally { _connections.TryRemove(connection, out _); }
            });
            _connections[connection] = run;
            registered.SetResult();
        }
    }

    /// <summary>
    /// Stops accepting, lets every client's in-flight requests finish, flushes what they wrote, and
    /// closes the connections. Safe to call more than once.
    /// </summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (Interlocked.Exchange(ref _state, 2) != 1) return;
        _stop.Cancel();
        foreach (var l in _listeners) l.Dispose();
        try { await Task.WhenAll(_acceptLoops).WaitAsync(ct); }
        catch (OperationCanceledException) { }
        // Each connection stops reading, drains its requests, flushes, and closes (Connection.RunAsync),
        // so acknowledged writes are durable when this returns.
        try { await Task.WhenAll(_connections.Values.ToArray()).WaitAsync(ct); }
        catch (OperationCanceledException) { }
        if (UnixSocketPath != null)
        {
            try { File.Delete(UnixSocketPath); } catch (IOException) { }
        }
        _tls?.Dispose();
        _log("nbd: stopped");
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
