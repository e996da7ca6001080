using System.Text;
using Rewind.Management.Hooks;

namespace Rewind.Management.Tests.Hooks;

public sealed class GuestAgentClientTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    private readonly ScratchDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static CancellationToken Within(TimeSpan limit) => new CancellationTokenSource(limit).Token;

    [Fact]
    public async Task Synchronising_drops_stale_bytes_and_an_old_clients_reply_before_the_fresh_delimiter()
    {
        // Half a reply an earlier client never read, a whole delimited sync reply meant for another client,
        // and the start of a third one that was cut off (no line end: our own 0xFF follows it directly).
        byte[] stale =
        [
            .. Encoding.UTF8.GetBytes("{\"return\": \"fro"),
            0xFF, .. Encoding.UTF8.GetBytes("{\"return\": 7}\n"),
            0xFF, .. Encoding.UTF8.GetBytes("{\"return\": 12"),
        ];
        await using var agent = new FakeGuestAgent(_dir.File("qga.sock")) { StaleBytesBeforeSyncReply = stale };

        await using var client = await GuestAgentClient.ConnectAsync(agent.SocketPath, Within(Generous));
        await client.PingAsync(Within(Generous));

        Assert.Equal("thawed", await client.GetFreezeStatusAsync(Within(Generous)));
        Assert.Equal(2, await client.FreezeAsync(Within(Generous)));
        Assert.Equal("frozen", await client.GetFreezeStatusAsync(Within(Generous)));
        Assert.Equal(2, await client.ThawAsync(Within(Generous)));
        Assert.Equal("thawed", await client.GetFreezeStatusAsync(Within(Generous)));
        Assert.Equal(
            ["guest-sync-delimited", "guest-ping", "guest-fsfreeze-status", "guest-fsfreeze-freeze", "guest-fsfreeze-status",
             "guest-fsfreeze-thaw", "guest-fsfreeze-status"],
            agent.Commands);
    }

    [Fact]
    public async Task An_error_reply_becomes_an_exception_that_names_the_command_and_the_agents_reason()
    {
        await using var agent = new FakeGuestAgent(_dir.File("qga.sock"));
        agent.Errors["guest-fsfreeze-freeze"] = ("GenericError", "failed to freeze /data: Device or resource busy");
        await using var client = await GuestAgentClient.ConnectAsync(agent.SocketPath, Within(Generous));

        var refused = await Assert.ThrowsAsync<GuestAgentException>(() => client.FreezeAsync(Within(Generous)));

        Assert.Equal("GenericError", refused.ErrorClass);
        Assert.Contains("guest-fsfreeze-freeze", refused.Message);
        Assert.Contains("failed to freeze /data: Device or resource busy", refused.Message);
        Assert.Equal("thawed", await client.GetFreezeStatusAsync(Within(Generous)));
    }

    [Fact]
    public async Task An_agent_that_never_answers_the_sync_runs_into_the_callers_timeout()
    {
        await using var agent = new FakeGuestAgent(_dir.File("qga.sock"));
        agent.Unanswered.Add("guest-sync-delimited");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => GuestAgentClient.ConnectAsync(agent.SocketPath, Within(TimeSpan.FromMilliseconds(300))));
    }

    [Fact]
    public async Task A_reply_that_arrives_after_its_timeout_is_not_taken_for_the_next_commands_answer()
    {
        await using var agent = new FakeGuestAgent(_dir.File("qga.sock"));
        agent.Delays["guest-fsfreeze-freeze"] = TimeSpan.FromSeconds(1);
        await using var client = await GuestAgentClient.ConnectAsync(agent.SocketPath, Within(Generous));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.FreezeAsync(Within(TimeSpan.FromMilliseconds(100))));
        // The late freeze reply ({"return": 2}) arrives while the status is asked: a client that did not
        // resynchronise would read it as the status and fail.
        Assert.Equal("frozen", await client.GetFreezeStatusAsync(Within(Generous)));
        Assert.Equal(["guest-sync-delimited", "guest-fsfreeze-freeze", "guest-sync-delimited", "guest-fsfreeze-status"], agent.Commands);
    }

    [Fact]
    public async Task A_missing_socket_is_reported_with_what_to_check()
    {
        string missing = _dir.File("no-such.sock");

        var failure = await Assert.ThrowsAsync<GuestAgentException>(() => GuestAgentClient.ConnectAsync(missing, Within(Generous)));

        Assert.Contains(missing, failure.Message);
        Assert.Contains("org.qemu.guest_agent.0", failure.Message);
    }
}
