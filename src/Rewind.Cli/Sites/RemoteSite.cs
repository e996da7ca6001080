using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Serialization;
using Rewind.Engine;

namespace Rewind.Cli.Sites;

/// <summary>
/// The site as served by a running `rewind serve`, reached through the api.sock in the default pool's
/// directory. Same interface, same validation (the daemon runs the same site), same messages: a command
/// behaves the same whether a daemon runs or not. This file is the HTTP plumbing; the operations are in
/// RemoteSite.Volumes.cs and RemoteSite.Management.cs.
/// </summary>
public sealed partial class RemoteSite : ISiteApi
{
    /// <summary>Who acts, for the daemon's audit log and the snapshots' "created by".</summary>
    public const string UserHeader = "X-Rewind-User";

    internal static readonly JsonSerializerOptions Json = CreateJson();
    private readonly HttpClient _http;

    private RemoteSite(HttpClient http) => _http = http;

    private static JsonSerializerOptions CreateJson()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        o.Converters.Add(new JsonStringEnumConverter());
        return o;
    }

    /// <summary>Connects when a daemon answers on the socket; null when there is none (or only a stale socket file).</summary>
    public static RemoteSite? TryConnect(string socketPath)
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
        http.DefaultRequestHeaders.Add(UserHeader, Environment.UserName);
        try
        {
            using var probe = http.GetAsync("").GetAwaiter().GetResult();
            if (probe.IsSuccessStatusCode) return new RemoteSite(http);
        }
        catch (HttpRequestException) { }
        http.Dispose();
        return null;
    }

    /// <summary>Escapes a name for a route or query: "fast/vm1" becomes "fast%2Fvm1".</summary>
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

    public IBlockDevice OpenDevice(string target, bool readOnly) => new RemoteDevice(this, target, readOnly);

    public void Dispose() => _http.Dispose();
}
