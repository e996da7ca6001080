using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Rewind.Engine;
using Rewind.Management;
using Rewind.Management.Scheduling;
using Rewind.Nbd;
using Rewind.Nbd.Exports;
using Rewind.Server.Api;

namespace Rewind.Server;

/// <summary>
/// `rewind serve`: one process that holds a site — the default pool and every pool registered in it — and
/// serves it: NBD for machines and tools, the control API for the CLI and scripts, and the scheduler for
/// snapshot schedules. Stopping flushes every volume and closes clients cleanly.
/// </summary>
public sealed class Daemon : IAsyncDisposable
{
    private readonly ServeOptions _options;
    private readonly Site _site;
    private WebApplication? _api;
    private readonly CancellationTokenSource _stopScheduler = new();
    private Task? _scheduler;
    private NbdServer? _nbd;
    private readonly List<string> _nbdEndpoints = new();
    private readonly List<string> _apiEndpoints = new();

    private Daemon(ServeOptions options, Site site)
    {
        _options = options;
        _site = site;
    }

    /// <summary>The default pool.</summary>
    public Pool Pool => _site.DefaultPool;

    public Site Site => _site;
    public IReadOnlyList<string> NbdEndpoints => _nbdEndpoints;
    public IReadOnlyList<string> ApiEndpoints => _apiEndpoints;

    public static JsonSerializerOptions JsonOptions { get; } = CreateJsonOptions();

    private static JsonSerializerOptions CreateJsonOptions()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        o.Converters.Add(new JsonStringEnumConverter());
        return o;
    }

    public static async Task<Daemon> StartAsync(ServeOptions options, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(options.PoolDirectory);
        var site = Site.Open(options.PoolDirectory, new SiteOptions { Holder = "rewind serve" });
        foreach (var note in site.OpenNotes) options.Log?.Invoke(note);
        var daemon = new Daemon(options, site);
        try
        {
            await daemon.StartApiAsync(cancel);
            await daemon.StartNbdAsync(cancel);
            daemon.StartScheduler();
            return daemon;
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }

    private async Task StartApiAsync(CancellationToken cancel)
    {
        string socket = _options.ApiSocketPath;
        RemoveStaleSocket(socket);
        string? token = _options.ApiListen != null ? TokenAuth.LoadOrCreate(_options.ApiTokenPath) : null;
        // No configuration files and no file watching: a content root watched for appsettings changes
        // would be woken by every data write if it were the pool directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = ["--hostBuilder:reloadConfigOnChange=false"],
        });
        builder.Logging.ClearProviders();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
        });
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(socket);
            if (_options.ApiListen != null) k.Listen(ParseEndpoint(_options.ApiListen, "--api-listen"));
            k.Limits.MaxRequestBodySize = null; // imports stream whole disk images
        });
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Rewind control API";
            document.Info.Description = "Volumes, snapshots, clones, pools, consistency groups, hooks, schedules and the audit log of one `rewind serve`.";
            return Task.CompletedTask;
        }));
        var app = builder.Build();
        app.MapOpenApi("/v1/openapi.json");
        TokenAuth.Use(app, token);
        Actor.Use(app, _site);
        Api.ApiEndpoints.Map(app, _site, Info);
        await app.StartAsync(cancel);
        File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _api = app;
        _apiEndpoints.Add("unix:" + socket);
        if (_options.ApiListen != null) _apiEndpoints.Add("http://" + _options.ApiListen);
    }

    private async Task StartNbdAsync(CancellationToken cancel)
    {
        bool tls = _options.TlsCertificate != null;
        var tcp = _options.NbdListen == null ? null : ParseEndpoint(_options.NbdListen, "--nbd-listen");
        if (tcp != null && !IPAddress.IsLoopback(tcp.Address) && !tls)
            throw new RewindException(ErrorKind.InvalidArgument,
                $"NBD on {_options.NbdListen} is reachable from the network, so it needs TLS: add --tls-cert and --tls-key (or listen on 127.0.0.1)");
        var nbdOptions = new NbdServerOptions
        {
            TcpEndPoint = tcp,
            UnixSocketPath = _options.NbdSocketPath,
            TlsCertificateFile = _options.TlsCertificate,
            TlsKeyFile = _options.TlsKey,
            TlsClientCaFile = _options.TlsClientCa,
            TlsRequired = tls && _options.TlsRequired,
            Log = _options.Log,
        };
        var server = new NbdServer(nbdOptions, new SiteExportCatalog(_site));
        await server.StartAsync(cancel);
        _nbd = server;
        string scheme = tls ? "nbds" : "nbd";
        if (server.TcpEndPoint is { } ep) _nbdEndpoints.Add($"{scheme}://{ep}/VOLUME");
        _nbdEndpoints.Add($"{scheme}+unix:///VOLUME?socket={_options.NbdSocketPath}");
    }

    /// <summary>Runs schedules; a run missed while the daemon was down happens once, now.</summary>
    private void StartScheduler()
    {
        var scheduler = new Scheduler(_site.Clock, _site.Zone, _site.ScheduledJobs,
            (job, slot) => _site.RunScheduledAsync(job.Id, slot),
            (job, e) => _options.Log?.Invoke($"scheduled snapshot of {job.Id} failed: {e.Message}"));
        _site.SchedulesChanged += scheduler.Poke;
        _scheduler = Task.Run(() => scheduler.RunAsync(_stopScheduler.Token));
    }

    private DaemonInfo Info() => new(_site.Directory, Environment.ProcessId, typeof(Daemon).Assembly.GetName().Version?.ToString() ?? "0",
        _nbdEndpoints, _apiEndpoints);

    internal static IPEndPoint ParseEndpoint(string value, string option)
    {
        int colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), out int port) || port < 0 || port > 65535)
            throw new RewindException(ErrorKind.InvalidArgument, $"{option} wants HOST:PORT (e.g. 127.0.0.1:10809), not '{value}'");
        string host = value[..colon].Trim('[', ']');
        if (host == "localhost") host = "127.0.0.1";
        if (!IPAddress.TryParse(host, out var address))
            throw new RewindException(ErrorKind.InvalidArgument, $"{option}: '{host}' is not an IP address");
        return new IPEndPoint(address, port);
    }

    /// <summary>We hold the pool lock, so a socket file left in the pool directory belongs to a dead daemon.</summary>
    private static void RemoveStaleSocket(string path)
    {
        if (File.Exists(path)) File.Delete(path);
    }

    public async ValueTask DisposeAsync()
    {
        _stopScheduler.Cancel();
        if (_scheduler != null)
            try { await _scheduler; } catch (OperationCanceledException) { }
        if (_nbd != null) await _nbd.StopAsync();
        if (_api != null)
        {
            await _api.StopAsync();
            await _api.DisposeAsync();
            try { File.Delete(_options.ApiSocketPath); } catch (IOException) { }
        }
        _site.Dispose();
    }
}
