using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Rewind.Management.Hooks;

/// <summary>
/// A client of qemu-guest-agent (qemu-ga), through the unix socket qemu exposes for the guest's
/// org.qemu.guest_agent.0 virtio-serial port (-chardev socket,path=SOCK,server=on,wait=off).
///
/// The protocol is QMP-like: one JSON request, one JSON reply ending in a newline, either
/// {"return": ...} or {"error": {"class": ..., "desc": ...}}. The byte stream outlives clients: a reply
/// a previous client timed out on may still be in it, and the agent may hold half a request. So every
/// connection starts with guest-sync-delimited: the client sends 0xFF (the agent drops any partial
/// request and answers the stray byte with a parse error), then the request with a random id; the agent
/// puts 0xFF before its reply. Everything before that 0xFF is stale and dropped, and only the reply
/// carrying our id counts. A command that was cancelled (a timeout) leaves the stream out of step, so the
/// next one synchronises again first.
///
/// Not thread-safe: one command at a time. qemu serves one connection on the socket at a time, so hold
/// a client only as long as needed.
/// </summary>
public sealed class GuestAgentClient : IAsyncDisposable, IDisposable
{
    private const byte Delimiter = 0xFF;
    private const int MaxReplyBytes = 1 << 20;

    private readonly Socket _socket;
    private byte[] _buffer = new byte[4096];
    private int _buffered;
    private bool _inStep;

    public string SocketPath { get; }

    private GuestAgentClient(Socket socket, string socketPath)
    {
        _socket = socket;
        SocketPath = socketPath;
    }

    /// <summary>Connects to the agent's socket and synchronises with the agent.</summary>
    /// <exception cref="GuestAgentException">The socket cannot be reached, or the agent broke the protocol.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled (use it for the timeout).</exception>
    public static async Task<GuestAgentClient> ConnectAsync(string socketPath, CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new GuestAgentException(
                $"cannot connect to the guest agent socket {socketPath}: {e.Message}. Check that the VM is running and that "
                + "qemu has -chardev socket,path=<that path>,server=on,wait=off with a virtserialport named org.qemu.guest_agent.0",
                inner: e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new GuestAgentClient(socket, socketPath);
        try
        {
            await client.SynchronizeAsync(ct);
        }
        catch
        {
            client.Dispose();
            throw;
        }
        return client;
    }

    /// <summary>guest-sync-delimited: drops stale bytes and replies until the agent echoes a fresh id.</summary>
    public async Task SynchronizeAsync(CancellationToken ct)
    {
        _inStep = false;
        long id = Random.Shared.NextInt64(1, int.MaxValue);
        byte[] request = [Delimiter, .. Request("guest-sync-delimited", new JsonObject { ["id"] = id })];
        await SendAsync(request, ct);
        while (true)
        {
            await DiscardThroughDelimiterAsync(ct);
            byte[] line = await ReadLineAsync("guest-sync-delimited", ct);
            // A line that holds another 0xFF had a stale partial reply before it: only the part after counts.
            int lastDelimiter = Array.LastIndexOf(line, Delimiter);
            if (lastDelimiter >= 0) line = line[(lastDelimiter + 1)..];
            // Anything else (an earlier client's sync reply, a fragment) is stale: keep looking.
            if (EchoesId(line, id)) break;
        }
        _inStep = true;
    }

    /// <summary>guest-ping: the agent is alive and answering.</summary>
    public async Task PingAsync(CancellationToken ct) => await ExecuteAsync("guest-ping", null, ct);

    /// <summary>guest-fsfreeze-freeze: freezes the guest's filesystems; returns how many it froze.</summary>
    public async Task<int> FreezeAsync(CancellationToken ct) =>
        ReadCount(await ExecuteAsync("guest-fsfreeze-freeze", null, ct), "guest-fsfreeze-freeze");

    /// <summary>guest-fsfreeze-thaw: thaws the guest's filesystems; returns how many it thawed (0 when none was frozen).</summary>
    public async Task<int> ThawAsync(CancellationToken ct) =>
        ReadCount(await ExecuteAsync("guest-fsfreeze-thaw", null, ct), "guest-fsfreeze-thaw");

    /// <summary>guest-fsfreeze-status: "frozen" or "thawed".</summary>
    public async Task<string> GetFreezeStatusAsync(CancellationToken ct)
    {
        var status = await ExecuteAsync("guest-fsfreeze-status", null, ct);
        return status.ValueKind == JsonValueKind.String
            ? status.GetString()!
            : throw Unexpected("guest-fsfreeze-status", $"a status string, not {status.GetRawText()}");
    }

    /// <summary>
    /// guest-shutdown (mode powerdown): asks the guest to power off. The agent sends no reply when it accepts,
    /// so this returns once the request is sent; wait for the VM to exit to know it went down.
    /// </summary>
    public async Task RequestPowerdownAsync(CancellationToken ct)
    {
        if (!_inStep) await SynchronizeAsync(ct);
        _inStep = false; // an error reply may or may not follow
        await SendAsync(Request("guest-shutdown", new JsonObject { ["mode"] = "powerdown" }), ct);
    }

    private async Task<JsonElement> ExecuteAsync(string command, JsonObject? arguments, CancellationToken ct)
    {
        if (!_inStep) await SynchronizeAsync(ct);
        _inStep = false; // until the reply is read: a cancellation in between leaves it in the stream
        await SendAsync(Request(command, arguments), ct);
        using var reply = await ReadReplyAsync(command, ct);
        _inStep = true;

        var root = reply.RootElement;
        if (root.TryGetProperty("return", out var result)) return result.Clone();
        if (root.TryGetProperty("error", out var error))
        {
            string errorClass = error.TryGetProperty("class", out var c) ? c.ToString() : "unknown";
            string description = error.TryGetProperty("desc", out var d) ? d.ToString() : error.GetRawText();
            throw new GuestAgentException($"the guest agent at {SocketPath} refused {command}: {description} ({errorClass})", errorClass);
        }
        throw Unexpected(command, $"a reply with \"return\" or \"error\", not {Shorten(root.GetRawText())}");
    }

    private static byte[] Request(string command, JsonObject? arguments)
    {
        var request = new JsonObject { ["execute"] = command };
        if (arguments != null) request["arguments"] = arguments;
        return Encoding.UTF8.GetBytes(request.ToJsonString() + "\n");
    }

    private async Task SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        try
        {
            while (!bytes.IsEmpty)
            {
                int sent = await _socket.SendAsync(bytes, SocketFlags.None, ct);
                bytes = bytes[sent..];
            }
        }
        catch (SocketException e)
        {
            throw new GuestAgentException($"lost the connection to the guest agent socket {SocketPath}: {e.Message}", inner: e);
        }
    }

    /// <summary>Drops everything up to and including the next 0xFF, reading more as needed.</summary>
    private async Task DiscardThroughDelimiterAsync(CancellationToken ct)
    {
        while (true)
        {
            int at = _buffer.AsSpan(0, _buffered).IndexOf(Delimiter);
            if (at >= 0)
            {
                Consume(at + 1);
                return;
            }
            _buffered = 0;
            await ReceiveAsync("guest-sync-delimited", ct);
        }
    }

    /// <summary>The next non-empty line, parsed as a JSON object.</summary>
    private async Task<JsonDocument> ReadReplyAsync(string command, CancellationToken ct)
    {
        byte[] line = await ReadLineAsync(command, ct);
        try
        {
            var reply = JsonDocument.Parse(line);
            if (reply.RootElement.ValueKind == JsonValueKind.Object) return reply;
            reply.Dispose();
        }
        catch (JsonException)
        {
        }
        throw Unexpected(command, $"a JSON object, not {Shorten(Encoding.UTF8.GetString(line))}");
    }

    /// <summary>The next non-empty line, without its line end.</summary>
    private async Task<byte[]> ReadLineAsync(string command, CancellationToken ct)
    {
        while (true)
        {
            int end;
            while ((end = _buffer.AsSpan(0, _buffered).IndexOf((byte)'\n')) < 0)
            {
                if (_buffered >= MaxReplyBytes) throw Unexpected(command, $"a reply line shorter than {MaxReplyBytes} bytes");
                await ReceiveAsync(command, ct);
            }
            byte[] line = _buffer.AsSpan(0, end).Trim(" \r\t"u8).ToArray();
            Consume(end + 1);
            if (line.Length > 0) return line;
        }
    }

    private static bool EchoesId(byte[] line, long id)
    {
        try
        {
            using var reply = JsonDocument.Parse(line);
            return reply.RootElement.ValueKind == JsonValueKind.Object
                && reply.RootElement.TryGetProperty("return", out var echoed)
                && echoed.ValueKind == JsonValueKind.Number && echoed.TryGetInt64(out long value) && value == id;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private async Task ReceiveAsync(string command, CancellationToken ct)
    {
        if (_buffered == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        int received;
        try
        {
            received = await _socket.ReceiveAsync(_buffer.AsMemory(_buffered), SocketFlags.None, ct);
        }
        catch (SocketException e)
        {
            throw new GuestAgentException($"lost the connection to the guest agent socket {SocketPath} waiting for {command}: {e.Message}", inner: e);
        }
        if (received == 0)
        {
            throw new GuestAgentException(
                $"the guest agent socket {SocketPath} closed the connection while waiting for {command} (did the VM stop?)");
        }
        _buffered += received;
    }

    private void Consume(int count)
    {
        _buffer.AsSpan(count, _buffered - count).CopyTo(_buffer);
        _buffered -= count;
    }

    private static int ReadCount(JsonElement result, string command) =>
        result.ValueKind == JsonValueKind.Number && result.TryGetInt32(out int count)
            ? count
            : throw new GuestAgentException($"the guest agent answered {command} with {Shorten(result.GetRawText())}, not a count of filesystems");

    private GuestAgentException Unexpected(string command, string expected) =>
        new($"the guest agent at {SocketPath} broke the protocol answering {command}: expected {expected}");

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";

    public void Dispose() => _socket.Dispose();

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
