using System.Net;
using Rewind.Engine;
using Rewind.Nbd.Exports;

namespace Rewind.Nbd.Tests.Support;

/// <summary>An NBD server in-process over a temporary pool, on a free TCP port and a temporary unix socket.</summary>
public sealed class ServerFixture : IAsyncDisposable
{
    public Pool Pool { get; }
    public NbdServer Server { get; }
    public string Directory { get; }
    public List<string> Log { get; }

    private ServerFixture(string dir, Pool pool, NbdServer server, List<string> log)
    {
        Log = log;
        Directory = dir;
        Pool = pool;
        Server = server;
    }

    public static async Task<ServerFixture> StartAsync(Func<NbdServerOptions, NbdServerOptions>? configure = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"rewind-nbd-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(dir);
        var pool = Pool.Open(Path.Combine(dir, "pool"), new PoolOptions());
        var log = new List<string>();
        var options = new NbdServerOptions
        {
            TcpEndPoint = new IPEndPoint(IPAddress.Loopback, 0),
            // Unix socket paths are limited to 108 bytes: keep it short.
            UnixSocketPath = Path.Combine("/tmp", $"rwnbd-{Guid.NewGuid():N}"[..18] + ".sock"),
            Log = m => { lock (log) log.Add(m); },
        };
        if (configure != null) options = configure(options);
        var server = new NbdServer(options, new PoolExportCatalog(pool));
        await server.StartAsync();
        return new ServerFixture(dir, pool, server, log);
    }

    public int Port => Server.TcpEndPoint!.Port;
    public string TcpUri(string export) => $"nbd://127.0.0.1:{Port}/{export}";
    public string UnixUri(string export) => $"nbd+unix:///{export}?socket={Server.UnixSocketPath}";

    public string TempFile(string name) => Path.Combine(Directory, name);

    /// <summary>
    /// True once the server has logged a line matching <paramref name="match"/>, waiting up to
    /// <paramref name="limit"/> for it: a client can exit before the server notes why its connection ended.
    /// </summary>
    public async Task<bool> LoggedAsync(Func<string, bool> match, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            lock (Log) if (Log.Any(match)) return true;
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Pool.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
