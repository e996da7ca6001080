using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Rewind.Management.Tests.Hooks;

/// <summary>
/// A stand-in for qemu's guest-agent chardev and the qemu-ga behind it, on a unix socket: one connection
/// at a time (as qemu serves them), newline-terminated JSON requests, a parse error for the 0xFF a client
/// sends before guest-sync-delimited (as qemu-ga 7.2 answers it), 0xFF before the sync reply, and a
/// freeze state. Knobs make it misbehave: stale bytes before the delimiter, error replies, commands it
/// never answers.
/// </summary>
internal sealed class FakeGuestAgent : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _serving;
    private readonly List<string> _commands = [];
    private readonly object _gate = new();
    private bool _frozen;

    public string SocketPath { get; }
    public int FilesystemCount { get; init; } = 2;

    /// <summary>Written before the 0xFF of every sync reply: what a previous client left unread.</summary>
    public byte[] StaleBytesBeforeSyncReply { get; init; } = [];

    /// <summary>command -> (class, desc) of the error it is answered with.</summary>
    public Dictionary<string, (string Class, string Description)> Errors { get; } = [];

    /// <summary>Commands that take effect but are never answered (a reply lost, an agent stuck).</summary>
    public HashSet<string> Unanswered { get; } = [];

    /// <summary>command -> how long the agent works on it before it takes effect and is answered.</summary>
    public Dictionary<string, TimeSpan> Delays { get; } = [];

    public bool Frozen
    {
        get { lock (_gate) return _frozen; }
    }

    /// <summary>Every command received, in order ("execute" names).</summary>
    public IReadOnlyList<string> Commands
    {
        get { lock (_gate) return _commands.ToList(); }
    }

    public FakeGuestAgent(string socketPath)
    {
        SocketPath = socketPath;
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(socketPath));
        _listener.Listen(8);
        _serving = Task.Run(ServeAsync);
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket connection;
            try { connection = await _listener.AcceptAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            using (connection)
            {
                try { await ServeConnectionAsync(connection); }
                catch (Exception e) when (e is SocketException or IOException or OperationCanceledException) { /* client went away */ }
            }
        }
    }

    private async Task ServeConnectionAsync(Socket connection)
    {
        var pending = new List<byte>();
        var buffer = new byte[4096];
        while (true)
        {
            int read = await connection.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
            if (read == 0) return;
            pending.AddRange(buffer.AsSpan(0, read));
            int newline;
            while ((newline = pending.IndexOf((byte)'\n')) >= 0)
            {
                byte[] line = pending.GetRange(0, newline).ToArray();
                pending.RemoveRange(0, newline + 1);
                await HandleLineAsync(connection, line);
            }
        }
    }

    private async Task HandleLineAsync(Socket connection, byte[] line)
    {
        // A 0xFF makes qemu-ga drop what it had parsed and complain about the stray byte.
        int flush = Array.LastIndexOf(line, (byte)0xFF);
        if (flush >= 0)
        {
            await SendAsync(connection, """{"error": {"class": "GenericError", "desc": "JSON parse error, stray '\uFFFD'"}}""" + "\n");
            line = line[(flush + 1)..];
        }
        using var request = JsonDocument.Parse(line);
        string command = request.RootElement.GetProperty("execute").GetString()!;
        lock (_gate) _commands.Add(command);

        if (Delays.TryGetValue(command, out var delay)) await Task.Delay(delay, _stop.Token);
        if (Errors.TryGetValue(command, out var error))
        {
            await SendAsync(connection, JsonSerializer.Serialize(new { error = new { @class = error.Class, desc = error.Description } }) + "\n");
            return;
        }

        string? reply = command switch
        {
            "guest-sync-delimited" => Sync(request.RootElement.GetProperty("arguments").GetProperty("id").GetInt64()),
            "guest-ping" => """{"return": {}}""",
            "guest-fsfreeze-status" => $$"""{"return": "{{(Frozen ? "frozen" : "thawed")}}"}""",
            "guest-fsfreeze-freeze" => Freeze(),
            "guest-fsfreeze-thaw" => Thaw(),
            "guest-shutdown" => null,
            _ => JsonSerializer.Serialize(new { error = new { @class = "CommandNotFound", desc = $"The command {command} has not been found" } }),
        };
        if (reply == null || Unanswered.Contains(command)) return;
        if (command == "guest-sync-delimited")
        {
            await SendAsync(connection, StaleBytesBeforeSyncReply);
            await SendAsync(connection, [0xFF]);
        }
        await SendAsync(connection, reply + "\n");
    }

    private static string Sync(long id) => $$"""{"return": {{id}}}""";

    private string Freeze()
    {
        lock (_gate)
        {
            if (_frozen) return """{"error": {"class": "GenericError", "desc": "Command guest-fsfreeze-freeze has been disabled: the agent is in frozen state"}}""";
            _frozen = true;
        }
        return $$"""{"return": {{FilesystemCount}}}""";
    }

    private string Thaw()
    {
        bool wasFrozen;
        lock (_gate)
        {
            wasFrozen = _frozen;
            _frozen = false;
        }
        return $$"""{"return": {{(wasFrozen ? FilesystemCount : 0)}}}""";
    }

    private static Task SendAsync(Socket connection, string text) => SendAsync(connection, Encoding.UTF8.GetBytes(text));

    private static async Task SendAsync(Socket connection, byte[] bytes)
    {
        if (bytes.Length > 0) await connection.SendAsync(bytes, SocketFlags.None);
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        await _serving;
        _stop.Dispose();
    }
}
