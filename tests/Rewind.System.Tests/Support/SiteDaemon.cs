using Rewind.Management;
using Rewind.Server;

namespace Rewind.System.Tests.Support;

/// <summary>
/// `rewind serve` in this process (<see cref="Daemon"/>): a site whose default pool is DIR/pool in a fresh
/// temporary directory, every pool of it served over NBD on the unix socket DIR/pool/nbd.sock (no TCP).
/// Disposing stops the daemon and deletes the directory with everything in it.
/// </summary>
internal sealed class SiteDaemon : IAsyncDisposable
{
    private readonly Daemon _daemon;
    private readonly ServeOptions _options;
    private readonly List<string> _log;

    /// <summary>The temporary directory: the default pool is in "pool" under it; put other pools and sockets beside it.</summary>
    public string Directory { get; }

    public Site Site => _daemon.Site;

    private SiteDaemon(string directory, Daemon daemon, ServeOptions options, List<string> log)
    {
        Directory = directory;
        _daemon = daemon;
        _options = options;
        _log = log;
    }

    public static async Task<SiteDaemon> StartAsync(string purpose)
    {
        // Short path: the NBD and agent sockets live here, and sun_path holds only 108 bytes.
        string directory = global::System.IO.Directory.CreateTempSubdirectory($"rewind-{purpose}-").FullName;
        var log = new List<string>();
        var options = new ServeOptions
        {
            PoolDirectory = Path.Combine(directory, "pool"),
            NbdListen = null,
            Log = line => { lock (log) log.Add(line); },
        };
        try
        {
            return new SiteDaemon(directory, await Daemon.StartAsync(options), options, log);
        }
        catch
        {
            global::System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary>A qemu drive for an export: "vol" in the default pool, "pool/vol" in another.</summary>
    public string UnixDrive(string export) => Guest.QemuGuest.NbdUnixDrive(_options.NbdSocketPath, export);

    /// <summary>The daemon's log so far, for failure messages.</summary>
    public string Log
    {
        get { lock (_log) return "=== rewind serve log ===\n" + string.Join('\n', _log); }
    }

    public async ValueTask DisposeAsync()
    {
        await _daemon.DisposeAsync();
        try { global::System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { /* a qemu still exiting may hold a file; the OS cleans /tmp */ }
    }
}
