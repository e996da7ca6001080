using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using Rewind.Engine;

namespace Rewind.Cli.Pools;

/// <summary>
/// The pool as served by a running `rewind serve`, reached through the api.sock in the pool directory.
/// Same interface, same validation (the daemon runs the same engine), same messages: a command behaves
/// the same whether a daemon runs or not.
/// </summary>
public sealed class RemotePool : IPoolApi
{
    internal static readonly JsonSerializerOptions Json = CreateJson();
    private readonly HttpClient _http;

    private RemotePool(HttpClient http) => _http = http;

    private static JsonSerializerOptions CreateJson()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        o.Converters.Add(new JsonStringEnumConverter());
        return o;
    }

    /// <summary>Connects when a daemon answers on the socket; null when there is none (or only a stale socket file).</summary>
    public static RemotePool? TryConnect(string socketPath)
    {
        if (!File.Exists(socketPath)) return null;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancel);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri("http://rewind/v1/"), Timeout = Timeout.InfiniteTimeSpan };
        try
        {
            using var probe = http.GetAsync("").GetAwaiter().GetResult();
            if (probe.IsSuccessStatusCode) return new RemotePool(http);
        }
        catch (HttpRequestException) { }
        http.Dispose();
        return null;
    }

    private static string E(string s) => Uri.EscapeDataString(s);

    internal T Send<T>(HttpMethod method, string path, object? body = null)
    {
        using var response = SendRaw(method, path, body == null ? null : JsonContent.Create(body, options: Json));
        return response.Content.ReadFromJsonAsync<T>(Json).GetAwaiter().GetResult()!;
    }

    internal void Send(HttpMethod method, string path, object? body = null)
    {
        using var _ = SendRaw(method, path, body == null ? null : JsonContent.Create(body, options: Json));
    }

    internal HttpResponseMessage SendRaw(HttpMethod method, string path, HttpContent? content, bool streamResponse = false)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        var response = _http.SendAsync(request, streamResponse ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead)
            .GetAwaiter().GetResult();
        if (response.IsSuccessStatusCode) return response;
        using (response) throw ToException(response);
    }

    private static RewindException ToException(HttpResponseMessage response)
    {
        try
        {
            var body = response.Content.ReadFromJsonAsync<ErrorEnvelope>(Json).GetAwaiter().GetResult();
            if (body?.Error != null)
            {
                var kind = Enum.TryParse<ErrorKind>(body.Error.Kind, out var k) ? k : ErrorKind.InvalidArgument;
                return new RewindException(kind, body.Error.Message);
            }
        }
        catch (JsonException) { }
        return new RewindException(ErrorKind.IO, $"the daemon answered {(int)response.StatusCode} {response.ReasonPhrase}");
    }

    private sealed record ErrorEnvelope(ErrorPayload? Error);
    private sealed record ErrorPayload(string Kind, string Message);

    public VolumeInfo CreateVolume(string name, long sizeBytes) => Send<VolumeInfo>(HttpMethod.Post, "volumes", new { name, size = sizeBytes });
    public IReadOnlyList<VolumeInfo> ListVolumes() => Send<List<VolumeInfo>>(HttpMethod.Get, "volumes");
    public VolumeInfo GetVolume(string name) => Send<VolumeInfo>(HttpMethod.Get, $"volumes/{E(name)}");
    public bool VolumeExists(string name)
    {
        try { GetVolume(name); return true; }
        catch (RewindException e) when (e.Kind == ErrorKind.NotFound) { return false; }
    }
    public VolumeInfo ResizeVolume(string name, long sizeBytes) => Send<VolumeInfo>(HttpMethod.Post, $"volumes/{E(name)}/resize", new { size = sizeBytes });
    public void RenameVolume(string name, string newName) => Send(HttpMethod.Post, $"volumes/{E(name)}/rename", new { newName });
    public void DeleteVolume(string name, bool recursive, bool force) =>
        Send(HttpMethod.Delete, $"volumes/{E(name)}?recursive={recursive}&force={force}");

    public SnapshotInfo CreateSnapshot(string volume, string snapshot) => Send<SnapshotInfo>(HttpMethod.Post, $"volumes/{E(volume)}/snapshots", new { name = snapshot });
    public IReadOnlyList<SnapshotInfo> ListSnapshots(string? volume) =>
        Send<List<SnapshotInfo>>(HttpMethod.Get, volume == null ? "snapshots" : $"snapshots?volume={E(volume)}");
    public void DeleteSnapshot(string volume, string snapshot, bool force) =>
        Send(HttpMethod.Delete, $"volumes/{E(volume)}/snapshots/{E(snapshot)}?force={force}");
    public void Rollback(string volume, string snapshot, bool force) =>
        Send(HttpMethod.Post, $"volumes/{E(volume)}/rollback", new { snapshot, force });
    public VolumeInfo Clone(string volume, string snapshot, string newVolume) =>
        Send<VolumeInfo>(HttpMethod.Post, $"volumes/{E(volume)}/snapshots/{E(snapshot)}/clone", new { newName = newVolume });
    public IReadOnlyList<ByteRange> Diff(string volume, string from, string? to) =>
        Send<List<ByteRange>>(HttpMethod.Get, $"volumes/{E(volume)}/diff?from={E(from)}" + (to == null ? "" : $"&to={E(to)}"));

    public PoolStatus GetStatus() => Send<PoolStatus>(HttpMethod.Get, "status");
    public ScrubReport Scrub(IProgress<double>? progress)
    {
        var report = Send<ScrubReport>(HttpMethod.Post, "scrub");
        progress?.Report(1);
        return report;
    }

    public IBlockDevice OpenDevice(string target, bool readOnly) => new RemoteDevice(this, target, readOnly);

    public void Dispose() => _http.Dispose();
}
