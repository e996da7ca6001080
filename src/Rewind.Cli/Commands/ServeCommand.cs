using System.Runtime.InteropServices;
using Rewind.Cli.CommandLine;
using Rewind.Server;

namespace Rewind.Cli.Commands;

/// <summary>rewind serve: the daemon in the foreground until SIGTERM or Ctrl-C.</summary>
public static class ServeCommand
{
    public static readonly CommandSpec Spec = new(
        "serve", [],
        "serve the site's pools over NBD and the control API, and run the schedules",
        """
        Holds the site - the default pool and every pool added with 'rewind pool add' - and serves it
        until stopped (SIGTERM or Ctrl-C flush every volume and close clients cleanly). Every volume is
        an NBD export under its name ("web", or "fast/web" in pool fast) (read-write) and every snapshot
        an export named VOLUME@SNAP (read-only); volumes and snapshots made while it runs are served at
        once. It takes the scheduled snapshots ('rewind schedule set') and prunes them; a run missed
        while it was down happens once at start. By default NBD listens on TCP 127.0.0.1:10809 and on nbd.sock in the pool directory, and the
        control API on api.sock there; other rewind commands for this pool go through it automatically.
        Anything reachable from a network is authenticated: NBD over TLS (--tls-cert/--tls-key, clients
        must upgrade), the API over TCP with a bearer token (--api-listen, token in --api-token-file).
        """,
        [
            new("--nbd-listen", "HOST:PORT", "NBD over TCP (default 127.0.0.1:10809; 'none' turns TCP off)"),
            new("--nbd-socket", "PATH", "NBD unix socket (default nbd.sock in the pool directory)"),
            new("--api-socket", "PATH", "control API unix socket (default api.sock in the pool directory)"),
            new("--api-listen", "HOST:PORT", "also serve the control API over TCP (bearer token required)"),
            new("--api-token-file", "FILE", "API token file (default api.token in the pool directory, created 0600)"),
            new("--tls-cert", "FILE", "PEM server certificate for NBD TLS"),
            new("--tls-key", "FILE", "PEM private key for --tls-cert"),
            new("--tls-client-ca", "FILE", "PEM CA; NBD clients must present a certificate it signed"),
            new("--tls-optional", null, "with --tls-cert, still accept clients that do not use TLS"),
        ],
        [
            "rewind serve",
            "rewind --pool /srv/rewind serve --nbd-listen 0.0.0.0:10809 --tls-cert server.pem --tls-key server-key.pem",
            "qemu-system-x86_64 -drive file=nbd://127.0.0.1:10809/web,format=raw,if=virtio ...",
        ],
        Run);

    private static int Run(CommandContext c)
    {
        string? nbdListen = c.Args.Value("--nbd-listen") ?? "127.0.0.1:10809";
        if (nbdListen == "none") nbdListen = null;
        if ((c.Args.Value("--tls-cert") == null) != (c.Args.Value("--tls-key") == null))
            throw new UsageException("--tls-cert and --tls-key go together");
        var options = new ServeOptions
        {
            PoolDirectory = c.PoolDirectory,
            NbdListen = nbdListen,
            NbdSocket = c.Args.Value("--nbd-socket"),
            ApiSocket = c.Args.Value("--api-socket"),
            ApiListen = c.Args.Value("--api-listen"),
            ApiTokenFile = c.Args.Value("--api-token-file"),
            TlsCertificate = c.Args.Value("--tls-cert"),
            TlsKey = c.Args.Value("--tls-key"),
            TlsClientCa = c.Args.Value("--tls-client-ca"),
            TlsRequired = !c.Args.Has("--tls-optional"),
        };
        using var stop = new CancellationTokenSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => { ctx.Cancel = true; stop.Cancel(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => { ctx.Cancel = true; stop.Cancel(); });
        var daemon = Daemon.StartAsync(options, stop.Token).GetAwaiter().GetResult();
        try
        {
            if (c.Print.Json)
                c.Print.WriteJson(new { pool = daemon.Pool.Directory, pools = daemon.Site.ListPools(), pid = Environment.ProcessId, nbd = daemon.NbdEndpoints, api = daemon.ApiEndpoints });
            else
            {
                c.Print.Line($"rewind: serving pool {daemon.Pool.Directory} (pid {Environment.ProcessId})");
                foreach (var pool in daemon.Site.ListPools().Where(p => !p.IsDefault))
                    c.Print.Line(pool.Error == null ? $"  pool {pool.Name}  {pool.Directory}" : $"  pool {pool.Name}  {pool.Directory}  unavailable: {pool.Error}");
                foreach (var e in daemon.NbdEndpoints) c.Print.Line($"  NBD  {e}");
                foreach (var e in daemon.ApiEndpoints) c.Print.Line($"  API  {e}");
                c.Print.Line("stop with Ctrl-C or SIGTERM");
            }
            c.Print.Out.Flush();
            stop.Token.WaitHandle.WaitOne();
        }
        finally
        {
            daemon.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        if (!c.Print.Json) c.Print.Line("rewind: stopped; every volume flushed");
        return 0;
    }
}
