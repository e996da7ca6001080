using Rewind.Management.Hooks;

namespace Rewind.Management.Tests.Hooks;

public sealed class CommandHookTests : IDisposable
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private static readonly HookContext Context = new("db-group", "nightly-1", ["db-data", "db-log"]);

    private readonly ScratchDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A hook whose pre and post commands each leave a file behind, to prove they ran.</summary>
    private HookSpec Recording(string name, string? pre = null) =>
        HookSpec.ForCommands(name, pre ?? $"touch '{_dir.File(name + ".pre")}'", $"touch '{_dir.File(name + ".post")}'", Generous);

    [Fact]
    public async Task A_failing_pre_command_names_the_hook_and_the_cut_never_runs()
    {
        var hooks = new[] { Recording("app"), Recording("db", pre: "echo 'database is read-only' >&2; exit 3"), Recording("never") };
        bool cutRan = false;

        var failure = await Assert.ThrowsAsync<HookFailedException>(
            () => Quiesce.AroundAsync(hooks, Context, () => cutRan = true));

        Assert.False(cutRan);
        Assert.Equal("db", failure.HookName);
        Assert.Equal(HookPhase.Pre, failure.Phase);
        Assert.Contains("'db'", failure.Message);
        Assert.Contains("exited with code 3", failure.Message);
        Assert.Contains("database is read-only", failure.Message);
        Assert.True(_dir.Exists("app.post"), "the hook frozen before the failure was not thawed");
        Assert.True(_dir.Exists("db.post"), "the failing hook's own post phase did not run");
        Assert.False(_dir.Exists("never.pre"), "a pre phase after the failure ran");
        Assert.False(_dir.Exists("never.post"), "a hook that never started was thawed");
        Assert.Equal(["app pre", "db pre", "db post", "app post"], failure.Runs.Select(r => $"{r.Hook} {r.Phase}"));
    }

    [Fact]
    public async Task A_pre_command_that_outlives_its_timeout_is_killed_with_its_children_and_earlier_hooks_are_thawed()
    {
        string sleepPid = _dir.File("sleep.pid");
        // Long enough for the shell to start its child and write the pid even on a loaded machine.
        var slow = new HookSpec("slow", HookKind.Command, $"sleep 30 & echo $! > '{sleepPid}'; wait", null, null,
            TimeSpan.FromSeconds(2));
        var hooks = new[] { Recording("app"), slow };

        var failure = await Assert.ThrowsAsync<HookFailedException>(() => Quiesce.AroundAsync(hooks, Context, () => 0));

        Assert.Equal("slow", failure.HookName);
        Assert.Contains("timed out after 2s", failure.Message);
        Assert.True(_dir.Exists("app.post"), "the hook frozen before the timeout was not thawed");
        int pid = int.Parse(File.ReadAllText(sleepPid).Trim());
        await ProcessState.WaitUntilGoneAsync(pid, Generous);
    }

    [Fact]
    public async Task Post_commands_run_in_reverse_order_after_the_cut()
    {
        string log = _dir.File("order.log");
        var hooks = new[] { "a", "b", "c" }
            .Select(name => HookSpec.ForCommands(name, $"echo 'pre {name}' >> '{log}'", $"echo 'post {name}' >> '{log}'", Generous))
            .ToList();

        var result = await Quiesce.AroundAsync(hooks, Context, () =>
        {
            File.AppendAllText(log, "cut\n");
            return "snapshot";
        });

        Assert.Equal(["pre a", "pre b", "pre c", "cut", "post c", "post b", "post a"], File.ReadAllLines(log));
        Assert.True(result.ApplicationConsistent);
        Assert.Empty(result.Warnings);
        Assert.All(result.Runs, run => Assert.True(run.Ok, run.Detail));
    }

    [Fact]
    public async Task A_failing_post_command_becomes_a_warning_and_the_snapshot_stands()
    {
        var hooks = new[]
        {
            Recording("app"),
            HookSpec.ForCommands("db", "true", "echo 'could not leave backup mode' >&2; exit 5", Generous),
        };

        var result = await Quiesce.AroundAsync(hooks, Context, () => 42);

        Assert.Equal(42, result.Value);
        Assert.True(result.ApplicationConsistent);
        string warning = Assert.Single(result.Warnings);
        Assert.Contains("'db'", warning);
        Assert.Contains("exited with code 5", warning);
        Assert.Contains("could not leave backup mode", warning);
        Assert.True(_dir.Exists("app.post"), "a failed post phase kept the hooks before it from thawing");
    }

    [Fact]
    public async Task Command_hooks_see_the_snapshot_in_their_environment()
    {
        const string Print = "printf '%s|%s|%s|%s' \"$REWIND_TARGET\" \"$REWIND_SNAPSHOT\" \"$REWIND_VOLUMES\" \"$REWIND_PHASE\"";
        var hook = HookSpec.ForCommands("env", $"{Print} > '{_dir.File("pre.env")}'", $"{Print} > '{_dir.File("post.env")}'", Generous);

        await Quiesce.AroundAsync([hook], Context, () => 0);

        Assert.Equal("db-group|nightly-1|db-data db-log|pre", _dir.Read("pre.env"));
        Assert.Equal("db-group|nightly-1|db-data db-log|post", _dir.Read("post.env"));
    }

    [Fact]
    public async Task When_the_cut_throws_the_hooks_are_thawed_and_the_same_exception_propagates()
    {
        var thrown = new InvalidOperationException("the pool refused the snapshot");

        var caught = await Assert.ThrowsAsync<InvalidOperationException>(
            () => Quiesce.AroundAsync<int>([Recording("app"), Recording("db")], Context, () => throw thrown));

        Assert.Same(thrown, caught);
        Assert.True(_dir.Exists("app.post"));
        Assert.True(_dir.Exists("db.post"));
    }

    [Fact]
    public async Task Without_hooks_the_snapshot_is_taken_but_not_application_consistent()
    {
        var result = await Quiesce.AroundAsync([], Context, () => "snap");

        Assert.Equal("snap", result.Value);
        Assert.False(result.ApplicationConsistent);
        Assert.Empty(result.Runs);
    }

    [Fact]
    public async Task A_command_that_fills_both_output_pipes_neither_stalls_nor_floods_the_error()
    {
        var noisy = HookSpec.ForCommands("noisy",
            "head -c 2000000 /dev/zero | tr '\\0' o; head -c 2000000 /dev/zero | tr '\\0' e >&2; echo ' last words' >&2; exit 1",
            null, Generous);

        var failure = await Assert.ThrowsAsync<HookFailedException>(() => Quiesce.AroundAsync([noisy], Context, () => 0));

        Assert.Contains("exited with code 1", failure.Message);
        Assert.Contains("last words", failure.Message);
        Assert.True(failure.Message.Length < 5000, $"the error carries {failure.Message.Length} characters of output");
    }

    [Fact]
    public async Task Hooks_with_a_duplicate_name_are_refused_before_any_of_them_runs()
    {
        var hooks = new[] { Recording("db"), Recording("db") };

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => Quiesce.AroundAsync(hooks, Context, () => 0));

        Assert.Contains("'db'", refused.Message);
        Assert.False(_dir.Exists("db.pre"));
    }

    [Fact]
    public async Task Cancelling_during_a_pre_phase_still_thaws_the_hooks_already_started()
    {
        string slowStarted = _dir.File("slow.started");
        var hooks = new[]
        {
            Recording("app"),
            HookSpec.ForCommands("slow", $"touch '{slowStarted}'; sleep 30", $"touch '{_dir.File("slow.post")}'", Generous),
        };
        using var cancel = new CancellationTokenSource();
        bool cutRan = false;

        var quiesce = Quiesce.AroundAsync(hooks, Context, () => cutRan = true, cancel.Token);
        await Poll.UntilAsync(() => File.Exists(slowStarted), Generous, "the slow hook's pre command never started");
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => quiesce);
        Assert.False(cutRan);
        Assert.True(_dir.Exists("app.post"));
        Assert.True(_dir.Exists("slow.post"));
    }
}
