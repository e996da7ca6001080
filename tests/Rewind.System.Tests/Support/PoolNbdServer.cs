using System.Net;
using Rewind.Engine;
using Rewind.Nbd;
using Rewind.Nbd.Exports;

namespace Rewind.System.Tests.Support;

/// <summary>
/// Rewind's NBD server, in this process, serving every volume of a pool on a unix socket in the pool's
/// directory and on a free loopback TCP port.
/// </summary>
internal sealed class PoolNbdServer : IAsyncDisposable
{
    private readonly NbdServer _server;
    private readonly List<string> _log = [];

    public string UnixSocketPath { get; }
    public IPEndPoint TcpEndPoint => _server.TcpEndPoint ?? throw new InvalidOperationException("no TCP listener");

    private PoolNbdServer(NbdServer server, string unixSocketPath)
    {
        _server = server;
        UnixSocketPath = unixSocketPath;
    }

    public static async Task<PoolNbdServer> StartAsync(TemporaryPool pool)
    {
        string socket = Path.Combine(pool.Directory, "nbd.sock");
        PoolNbdServer? started = null;
        var options = new NbdServerOptions
        {
            TcpEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            UnixSocketPath = socket,
            Log = line => started?.Record(line),
        };
        var server = new NbdServer(options, new PoolExportCatalog(pool.Pool));
        started = new PoolNbdServer(server, socket);
        await server.StartAsync(CancellationToken.None);
        return started;
    }

    public string UnixDrive(string export) => Guest.QemuGuest.NbdUnixDrive(UnixSocketPath, export);

    public string TcpDrive(string export) =>
        Guest.QemuGuest.NbdTcpDrive(TcpEndPoint.Address.ToString(), TcpEndPoint.Port, export);

    /// <summary>The server's log so far, for failure messages.</summary>
    public string Log
    {
        get { lock (_log) return "=== NBD server log ===\n" + string.Join('\n', _log); }
    }

    private void Record(string line)
    {
        lock (_log) _log.Add(line);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
