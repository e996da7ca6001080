using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Rewind.Server;

namespace Rewind.Server.Tests;

public sealed class ApiTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "rewind-api-" + Guid.NewGuid().ToString("N")[..8]);
    private Daemon _daemon = null!;
    private HttpClient _http = null!;
    private int _tcpPort;

    public async Task InitializeAsync()
    {
        _tcpPort = FreePort();
        _daemon = await Daemon.StartAsync(new ServeOptions
        {
            PoolDirectory = _dir, NbdListen = null, ApiListen = $"127.0.0.1:{_tcpPort}",
        });
        _http = UnixClient(Path.Combine(_dir, "api.sock"));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _daemon.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static HttpClient UnixClient(string socket) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, ct) =>
        {
            var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
            return new NetworkStream(s, ownsSocket: true);
        },
    }) { BaseAddress = new Uri("http://rewind/v1/") };

    private static async Task<JsonElement> Json(HttpResponseMessage r) =>
        JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement;

    [Fact]
    public async Task VolumesSnapshotsRollbackAndClonesWorkThroughTheSocket()
    {
        var created = await _http.PostAsJsonAsync("volumes", new { name = "web", size = 1L << 30 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(1L << 30, (await Json(created)).GetProperty("sizeBytes").GetInt64());

        var data = new byte[200_000];
        new Random(7).NextBytes(data);
        var put = await _http.PutAsync("volumes/web/data?offset=4096", new ByteArrayContent(data));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _http.PostAsJsonAsync("volumes/web/snapshots", new { name = "base" })).StatusCode);
        await _http.PutAsync("volumes/web/data?offset=4096", new ByteArrayContent(new byte[200_000].Select(_ => (byte)1).ToArray()));

        var diff = await Json(await _http.GetAsync("volumes/web/diff?from=base"));
        Assert.True(diff.GetArrayLength() > 0);

        var rollback = await _http.PostAsJsonAsync("volumes/web/rollback", new { snapshot = "base" });
        Assert.Equal(HttpStatusCode.OK, rollback.StatusCode);
        var back = await _http.GetByteArrayAsync("volumes/web/data?offset=4096&length=200000");
        Assert.Equal(data, back);

        Assert.Equal(HttpStatusCode.Created, (await _http.PostAsJsonAsync("volumes/web/snapshots/base/clone", new { newName = "copy" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _http.DeleteAsync("volumes/web?recursive=true")).StatusCode);
        Assert.Equal(data, await _http.GetByteArrayAsync("volumes/copy/data?offset=4096&length=200000"));
    }

    [Fact]
    public async Task EngineErrorsBecomeStatusesWithTheEngineKindAndMessage()
    {
        var missing = await _http.GetAsync("volumes/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var error = (await Json(missing)).GetProperty("error");
        Assert.Equal("NotFound", error.GetProperty("kind").GetString());
        Assert.Contains("nope", error.GetProperty("message").GetString());

        await _http.PostAsJsonAsync("volumes", new { name = "a", size = 1 << 20 });
        var again = await _http.PostAsJsonAsync("volumes", new { name = "a", size = 1 << 20 });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        var bad = await _http.PostAsJsonAsync("volumes", new { name = "../etc", size = 1 << 20 });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("InvalidArgument", (await Json(bad)).GetProperty("error").GetProperty("kind").GetString());
        await _http.PostAsJsonAsync("volumes/a/snapshots", new { name = "s" });
        var ro = await _http.PostAsync("volumes/a@s/zero?offset=0&length=512", null);
        Assert.Equal(HttpStatusCode.Forbidden, ro.StatusCode);
        Assert.Equal("ReadOnly", (await Json(ro)).GetProperty("error").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task TcpRequestsNeedTheBearerTokenButTheSocketDoesNot()
    {
        using var tcp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_tcpPort}/v1/") };
        var denied = await tcp.GetAsync("volumes");
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        tcp.DefaultRequestHeaders.Authorization = new("Bearer", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await tcp.GetAsync("volumes")).StatusCode);
        string token = File.ReadAllText(Path.Combine(_dir, "api.token")).Trim();
        if (OperatingSystem.IsLinux()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "api.token")));
        tcp.DefaultRequestHeaders.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await tcp.GetAsync("volumes")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync("volumes")).StatusCode);
    }
}

public sealed class ServeSecurityTests
{
    [Fact]
    public async Task NbdOnANetworkAddressWithoutTlsIsRefusedWithAClearError()
    {
        string dir = Path.Combine(Path.GetTempPath(), "rewind-sec-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var e = await Assert.ThrowsAsync<Rewind.Engine.RewindException>(() =>
                Daemon.StartAsync(new ServeOptions { PoolDirectory = dir, NbdListen = "0.0.0.0:0" }));
            Assert.Equal(Rewind.Engine.ErrorKind.InvalidArgument, e.Kind);
            Assert.Contains("--tls-cert", e.Message);
            // The failed start released the pool: it opens again.
            using var pool = Rewind.Engine.Pool.Open(dir, new Rewind.Engine.PoolOptions());
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
