using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Rewind.Server.Tests;

/// <summary>
/// The daemon serving a site of two pools: "pool/volume" exports judged by qemu-io and nbdinfo, group
/// snapshots, hook failures and the audit log through the API.
/// </summary>
public sealed class SiteServingTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("rewind-site-serve-").FullName;
    private Daemon _daemon = null!;
    private HttpClient _http = null!;

    private string Home => Path.Combine(_dir, "home");
    private string NbdSocket => Path.Combine(Home, "nbd.sock");

    public async Task InitializeAsync()
    {
        _daemon = await Daemon.StartAsync(new ServeOptions { PoolDirectory = Home, NbdListen = null });
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await s.ConnectAsync(new UnixDomainSocketEndPoint(Path.Combine(Home, "api.sock")), ct);
                return new NetworkStream(s, ownsSocket: true);
            },
        }) { BaseAddress = new Uri("http://rewind/v1/") };
        _http.DefaultRequestHeaders.Add("X-Rewind-User", "carol");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _daemon.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<JsonElement> Ok(Task<HttpResponseMessage> call, HttpStatusCode expected)
    {
        var response = await call;
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{(int)response.StatusCode} {body}");
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement;
    }

    [Fact]
    public async Task VolumesOfAnAddedPoolAreExportsNamedPoolSlashVolumeForRealClients()
    {
        await Ok(_http.PostAsJsonAsync("pools", new { name = "fast", directory = Path.Combine(_dir, "fast") }), HttpStatusCode.Created);
        var created = await Ok(_http.PostAsJsonAsync("volumes", new { name = "fast/db", size = 8L << 20 }), HttpStatusCode.Created);
        Assert.Equal("fast/db", created.GetProperty("name").GetString());

        string uri = $"nbd+unix:///fast/db?socket={NbdSocket}";
        Run("qemu-io", "-f", "raw", "-c", "write -P 0x5a 1000 70000", uri);
        await Ok(_http.PostAsJsonAsync($"volumes/{Uri.EscapeDataString("fast/db")}/snapshots", new { name = "s1" }), HttpStatusCode.Created);
        Run("qemu-io", "-f", "raw", "-c", "write -P 0x11 1000 70000", uri);

        var list = Run("nbdinfo", "--list", $"nbd+unix:///?socket={NbdSocket}");
        Assert.True(list.Contains("export=\"fast/db\"", StringComparison.Ordinal), list);
        Assert.Contains("fast/db@s1", list);
        Run("qemu-io", "-f", "raw", "-r", "-c", "read -P 0x5a 1000 70000", $"nbd+unix:///fast/db@s1?socket={NbdSocket}");
        Run("qemu-io", "-f", "raw", "-r", "-c", "read -P 0x11 1000 70000", uri);
        var missing = RunExpectingFailure("qemu-io", "-f", "raw", "-r", "-c", "read 0 512", $"nbd+unix:///slow/db?socket={NbdSocket}");
        Assert.Contains("slow/db", missing);
    }

    [Fact]
    public async Task AGroupSnapshotThroughTheApiReportsItsPauseAndAFailingHookIs424WithTheHooksName()
    {
        await Ok(_http.PostAsJsonAsync("pools", new { name = "fast", directory = Path.Combine(_dir, "fast") }), HttpStatusCode.Created);
        await Ok(_http.PostAsJsonAsync("volumes", new { name = "os", size = 1L << 20 }), HttpStatusCode.Created);
        await Ok(_http.PostAsJsonAsync("volumes", new { name = "fast/data", size = 1L << 20 }), HttpStatusCode.Created);
        await Ok(_http.PostAsJsonAsync("groups", new { name = "vm", members = new[] { "os", "fast/data" } }), HttpStatusCode.Created);

        var taken = await Ok(_http.PostAsJsonAsync("groups/vm/snapshots", new { name = "g1", reason = "test" }), HttpStatusCode.Created);
        Assert.True(taken.GetProperty("pauseMs").GetDouble() > 0);
        Assert.False(taken.GetProperty("applicationConsistent").GetBoolean());
        Assert.Equal(["os@g1", "fast/data@g1"], taken.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("fullName").GetString()));
        Assert.All(taken.GetProperty("members").EnumerateArray(), m => Assert.Equal("carol", m.GetProperty("createdBy").GetString()));

        await Ok(_http.PostAsJsonAsync("targets/vm/hooks", new { name = "db-flush", kind = "Command", preCommand = "exit 7", timeout = "00:00:05" }), HttpStatusCode.OK);
        var failed = await _http.PostAsJsonAsync("groups/vm/snapshots", new { name = "g2" });
        string body = await failed.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.FailedDependency, failed.StatusCode);
        Assert.Contains("HookFailed", body);
        Assert.Contains("db-flush", body);
        var snapshots = await Ok(_http.GetAsync($"snapshots?volume={Uri.EscapeDataString("fast/data")}"), HttpStatusCode.OK);
        Assert.Equal(["g1"], snapshots.EnumerateArray().Select(s => s.GetProperty("name").GetString()));

        var audit = await Ok(_http.GetAsync("audit?last=2"), HttpStatusCode.OK);
        var entries = audit.EnumerateArray().ToList();
        Assert.Equal(("hook.add", "ok"), (entries[0].GetProperty("operation").GetString(), entries[0].GetProperty("result").GetString()));
        Assert.Equal(("group.snapshot", "failed", "carol"), (entries[1].GetProperty("operation").GetString(),
            entries[1].GetProperty("result").GetString(), entries[1].GetProperty("user").GetString()));
    }

    [Fact]
    public async Task TheApiDescribesItselfInOpenApi()
    {
        var document = await Ok(_http.GetAsync("openapi.json"), HttpStatusCode.OK);
        Assert.StartsWith("3.", document.GetProperty("openapi").GetString());
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToHashSet();
        foreach (var route in new[] { "/v1/volumes", "/v1/volumes/{name}/snapshots", "/v1/groups/{name}/snapshots", "/v1/pools", "/v1/audit", "/v1/targets/{target}/schedule" })
            Assert.True(paths.Contains(route), $"{route} is missing from the OpenAPI paths: {string.Join(", ", paths)}");
        var createGroup = document.GetProperty("paths").GetProperty("/v1/groups").GetProperty("post");
        Assert.True(createGroup.TryGetProperty("requestBody", out _), "POST /v1/groups has no request body schema");
    }

    private static string Run(string tool, params string[] args)
    {
        var (code, output) = Exec(tool, args);
        Assert.True(code == 0, $"{tool} {string.Join(' ', args)} exited {code}:\n{output}");
        return output;
    }

    private static string RunExpectingFailure(string tool, params string[] args)
    {
        var (code, output) = Exec(tool, args);
        Assert.True(code != 0, $"{tool} {string.Join(' ', args)} should have failed:\n{output}");
        return output;
    }

    private static (int Code, string Output) Exec(string tool, string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/" + tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {tool}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException($"{tool} did not finish"); }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }
}
