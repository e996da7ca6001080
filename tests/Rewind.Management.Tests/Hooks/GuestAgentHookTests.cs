using Rewind.Management.Hooks;

namespace Rewind.Management.Tests.Hooks;

public sealed class GuestAgentHookTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private static readonly HookContext Context = new("vm-web", "before-upgrade", ["web-root"]);

    private readonly ScratchDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task The_guest_is_frozen_during_the_cut_and_thawed_after_it()
    {
        await using var agent = new FakeGuestAgent(_dir.File("qga.sock"));
        var hooks = new[]
        {
            HookSpec.ForCommands("app", $"touch '{_dir.File("app.pre")}'", $"touch '{_dir.File("app.post")}'", Generous),
            HookSpec.ForGuestAgent("guest", agent.SocketPath, Generous),
        };

        var result = await Quiesce.AroundAsync(hooks, Context, () => (agent.Frozen, AppQuiesced: _dir.Exists("app.pre")));

        Assert.Equal((true, true), result.Value);
        Assert.False(agent.Frozen);
        Assert.True(result.ApplicationConsistent);
        Assert.Empty(result.Warnings);
        Assert.Equal(
            ["app pre exited with code 0", "guest pre froze 2 filesystems", "guest post thawed 2 filesystems", "app post exited with code 0"],
            result.Runs.Select(r => $"{r.Hook} {r.Phase} {r.Detail}"));
    }

    [Fact]
    public async Task A_freeze_the_agent_refuses_fails_the_snapshot_and_a_thaw_is_still_sent()
    {
        await using var agent = new FakeGuestAgent(_dir.File("qga.sock"));
        agent.Errors["guest-fsfreeze-freeze"] = ("GenericError", "failed to freeze /: Operation not supported");
        bool cutRan = false;

        var failure = await Assert.ThrowsAsync<HookFailedException>(() => Quiesce.AroundAsync(
            [HookSpec.ForGuestAgent("guest", agent.SocketPath, Generous)], Context, () => cutRan = true));

        Assert.False(cutRan);
        Assert.Equal("guest", failure.HookName);
        Assert.Contains("failed to freeze /: Operation not supported", failure.Message);
        Assert.Equal("guest-fsfreeze-thaw", agent.Commands[^1]);
    }

    [Fact]
    public async Task A_freeze_whose_reply_never_comes_times_out_and_the_guest_is_thawed_all_the_same()
    {
        await using var agent = new FakeGuestAgent(_dir.File("qga.sock"));
        agent.Unanswered.Add("guest-fsfreeze-freeze"); // the guest froze, but the answer was lost
        // Long enough that connecting and synchronising fit in it even on a loaded machine: the timeout must
        // strike while the freeze is awaited.
        var hook = HookSpec.ForGuestAgent("guest", agent.SocketPath, TimeSpan.FromSeconds(2));

        var failure = await Assert.ThrowsAsync<HookFailedException>(() => Quiesce.AroundAsync([hook], Context, () => 0));

        Assert.Contains("timed out after 2s", failure.Message);
        Assert.Contains("guest-fsfreeze-freeze", failure.Message);
        Assert.False(agent.Frozen, "the guest was left frozen");
        var post = Assert.Single(failure.Runs, r => r.Phase == HookPhase.Post);
        Assert.True(post.Ok, post.Detail);
        Assert.Equal("thawed 2 filesystems", post.Detail);
    }

    [Fact]
    public async Task An_unreachable_agent_fails_the_snapshot_and_says_the_thaw_failed_too()
    {
        var hook = HookSpec.ForGuestAgent("guest", _dir.File("gone.sock"), Generous);

        var failure = await Assert.ThrowsAsync<HookFailedException>(() => Quiesce.AroundAsync([hook], Context, () => 0));

        Assert.Contains("cannot connect to the guest agent socket", failure.Message);
        Assert.Contains("thawing failed too", failure.Message);
    }

    [Fact]
    public async Task A_socket_path_too_long_for_a_unix_socket_is_refused_before_any_hook_runs()
    {
        string tooLong = "/tmp/" + new string('q', 120) + ".sock";
        var hooks = new[]
        {
            HookSpec.ForCommands("app", $"touch '{_dir.File("app.pre")}'", null, Generous),
            HookSpec.ForGuestAgent("guest", tooLong, Generous),
        };

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => Quiesce.AroundAsync(hooks, Context, () => 0));

        Assert.Contains("'guest'", refused.Message);
        Assert.Contains("107 bytes", refused.Message);
        Assert.False(_dir.Exists("app.pre"));
    }
}
