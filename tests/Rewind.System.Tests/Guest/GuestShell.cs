using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rewind.System.Tests.Guest;

/// <summary>
/// Runs a shell script inside the guest-agent guest through qemu-ga's guest-exec, so a test can have the
/// guest act on cue (the product's GuestAgentClient knows only the quiesce commands). One connection per
/// script: guest-sync-delimited first, as the product's client does, then guest-exec and guest-exec-status
/// until the script has exited.
/// </summary>
internal static class GuestShell
{
    private const byte Delimiter = 0xFF;
    private static readonly TimeSpan StatusPollInterval = TimeSpan.FromMilliseconds(100);

    public sealed record Result(int ExitCode, string Output)
    {
        public string Describe(string what) => $"{what} exited with code {ExitCode} in the guest: {Output}";
    }

    /// <summary>Runs <c>/bin/sh -c script</c> in the guest and returns its exit code and its stdout and stderr.</summary>
    public static async Task<Result> RunAsync(string agentSocket, string script, TimeSpan limit)
    {
        using var cancel = new CancellationTokenSource(limit);
        var ct = cancel.Token;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(agentSocket), ct);
        await using var stream = new BufferedStream(new NetworkStream(socket, ownsSocket: false));

        long syncId = Random.Shared.NextInt64(1, int.MaxValue);
        // 0xFF makes the agent drop any half-read request; its reply comes after a 0xFF of the agent's.
        await SendAsync(stream, "guest-sync-delimited", new JsonObject { ["id"] = syncId }, prefix: Delimiter, ct);
        while (true)
        {
            var reply = await ReadReplyAsync(stream, ct);
            // Anything else is the parse error for the 0xFF, or what an earlier client left unread.
            if (reply.TryGetProperty("return", out var echoed) && echoed.ValueKind == JsonValueKind.Number && echoed.GetInt64() == syncId) break;
        }

        var started = Returned(await ExecuteAsync(stream, "guest-exec",
            new JsonObject { ["path"] = "/bin/sh", ["arg"] = new JsonArray("-c", script), ["capture-output"] = true }, ct), "guest-exec");
        long pid = started.GetProperty("pid").GetInt64();
        while (true)
        {
            var status = Returned(await ExecuteAsync(stream, "guest-exec-status", new JsonObject { ["pid"] = pid }, ct), "guest-exec-status");
            if (status.GetProperty("exited").GetBoolean())
            {
                int exitCode = status.TryGetProperty("exitcode", out var code) ? code.GetInt32() : -1;
                return new Result(exitCode, Decoded(status, "out-data") + Decoded(status, "err-data"));
            }
            await Task.Delay(StatusPollInterval, ct);
        }
    }

    private static async Task<JsonElement> ExecuteAsync(Stream stream, string command, JsonObject arguments, CancellationToken ct)
    {
        await SendAsync(stream, command, arguments, prefix: null, ct);
        return await ReadReplyAsync(stream, ct);
    }

    private static JsonElement Returned(JsonElement reply, string command) =>
        reply.TryGetProperty("return", out var value)
            ? value
            : throw new InvalidOperationException($"the guest agent refused {command}: {reply.GetRawText()}");

    private static string Decoded(JsonElement status, string property) =>
        status.TryGetProperty(property, out var data) ? Encoding.UTF8.GetString(Convert.FromBase64String(data.GetString()!)) : "";

    private static async Task SendAsync(Stream stream, string command, JsonObject arguments, byte? prefix, CancellationToken ct)
    {
        byte[] request = Encoding.UTF8.GetBytes(new JsonObject { ["execute"] = command, ["arguments"] = arguments }.ToJsonString() + "\n");
        if (prefix is { } first) await stream.WriteAsync(new[] { first }, ct);
        await stream.WriteAsync(request, ct);
        await stream.FlushAsync(ct);
    }

    /// <summary>The next non-empty reply line as JSON, without the agent's 0xFF delimiters.</summary>
    private static async Task<JsonElement> ReadReplyAsync(Stream stream, CancellationToken ct)
    {
        var line = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, ct) == 0) throw new IOException("the guest agent socket closed while a reply was awaited");
            if (one[0] == (byte)'\n' && line.Count > 0)
            {
                using var reply = JsonDocument.Parse(line.ToArray());
                return reply.RootElement.Clone();
            }
            if (one[0] is not ((byte)'\n' or Delimiter)) line.Add(one[0]);
        }
    }
}
