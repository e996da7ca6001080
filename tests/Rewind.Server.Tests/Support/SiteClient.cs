using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Xunit.Sdk;

namespace Rewind.Server.Tests.Support;

/// <summary>The control API of a running `rewind serve`, over its unix socket, as a script would use it.</summary>
public sealed class SiteClient(string apiSocket) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancel) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(apiSocket), cancel);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }) { BaseAddress = new Uri("http://rewind/v1/") };

    /// <summary>"pool/volume@snap" as a route segment: the '/' escaped so it stays one segment.</summary>
    public static string Segment(string address) => Uri.EscapeDataString(address);

    public Task AddPoolAsync(string name, string directory) =>
        ExpectAsync(_http.PostAsJsonAsync("pools", new { name, directory }), HttpStatusCode.Created, $"add pool {name}");

    public Task CreateVolumeAsync(string address, long sizeBytes) =>
        ExpectAsync(_http.PostAsJsonAsync("volumes", new { name = address, size = sizeBytes }), HttpStatusCode.Created, $"create volume {address}");

    public Task CreateGroupAsync(string name, params string[] members) =>
        ExpectAsync(_http.PostAsJsonAsync("groups", new { name, members }), HttpStatusCode.Created, $"create group {name}");

    /// <summary>Asks for a group snapshot; 201 means the daemon acknowledged it. Throws if the daemon went away.</summary>
    public async Task<(HttpStatusCode Status, string Body)> SnapshotGroupAsync(string group, string snapshot)
    {
        using var response = await _http.PostAsJsonAsync($"groups/{Segment(group)}/snapshots", new { name = snapshot });
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The names of a volume's visible snapshots.</summary>
    public async Task<HashSet<string>> SnapshotNamesAsync(string volume)
    {
        var list = await GetJsonAsync($"snapshots?volume={Segment(volume)}");
        return list.EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The first <paramref name="length"/> bytes of a volume or snapshot ("pool/vol@snap").</summary>
    public async Task<byte[]> ReadAsync(string target, int length)
    {
        using var response = await _http.GetAsync($"volumes/{Segment(target)}/data?offset=0&length={length}");
        if (response.StatusCode != HttpStatusCode.OK)
            throw new XunitException($"reading {target} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadAsByteArrayAsync();
    }

    /// <summary>Whether any byte of a volume or snapshot from <paramref name="offset"/> to its end is allocated.</summary>
    public async Task<bool> HoldsDataFromAsync(string target, long offset)
    {
        var extents = await GetJsonAsync($"volumes/{Segment(target)}/extents?offset={offset}");
        return extents.EnumerateArray().Any(e => !e.GetProperty("isHole").GetBoolean());
    }

    public async Task<int> ClusterBytesAsync(string target) =>
        (await GetJsonAsync($"volumes/{Segment(target)}/info")).GetProperty("clusterSize").GetInt32();

    /// <summary>Scrubs one pool; null when it is clean, else the report.</summary>
    public async Task<string?> ScrubProblemsAsync(string pool)
    {
        using var response = await _http.PostAsync($"scrub?pool={Uri.EscapeDataString(pool)}", null);
        string body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new XunitException($"scrub of pool {pool} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("problems").GetArrayLength() == 0 ? null : body;
    }

    public async Task<IReadOnlyList<JsonElement>> AuditAsync() =>
        (await GetJsonAsync("audit")).EnumerateArray().ToList();

    /// <summary>Answers once the daemon serves the API.</summary>
    public async Task<JsonElement> InfoAsync() => await GetJsonAsync("");

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        string body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new XunitException($"GET /v1/{path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task ExpectAsync(Task<HttpResponseMessage> call, HttpStatusCode expected, string what)
    {
        using var response = await call;
        if (response.StatusCode != expected)
            throw new XunitException($"{what} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    public void Dispose() => _http.Dispose();
}
