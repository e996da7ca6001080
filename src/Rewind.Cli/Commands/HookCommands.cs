using Rewind.Cli.CommandLine;
using Rewind.Cli.Output;
using Rewind.Management.Hooks;

namespace Rewind.Cli.Commands;

/// <summary>hook add | list | remove: quiesce hooks run around the snapshots of a group or volume.</summary>
public static class HookCommands
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    public static readonly CommandSpec Add = new(
        "hook add", ["TARGET", "NAME"],
        "run a command or a guest's fsfreeze around every snapshot of a group or volume",
        """
        Adds quiesce hook NAME to TARGET (a group or a volume). Every snapshot of TARGET then runs:
        each pre command (in the order the hooks were added), the snapshot, each post command (in
        reverse order). A pre that fails (exit status not 0) or outlives --timeout means no snapshot:
        everything already frozen is thawed and the error names the hook. A post always runs once its
        pre started; a failing post only warns. The snapshot records that it is application-consistent.
        Commands run with /bin/sh -c on the rewind host (the daemon's, when one runs), with
        REWIND_TARGET, REWIND_SNAPSHOT, REWIND_VOLUMES and REWIND_PHASE in their environment.
        --guest-agent talks to a qemu-guest-agent through the socket qemu exposes
        (-chardev socket,path=SOCKET,server=on,wait=off,id=qga0 -device virtserialport,chardev=qga0,
        name=org.qemu.guest_agent.0) and freezes the guest's filesystems for the cut.
        """,
        [
            new("--pre", "CMD", "command run before the snapshot (freeze)"),
            new("--post", "CMD", "command run after the snapshot (thaw), also after a failed pre"),
            new("--guest-agent", "SOCKET", "freeze and thaw a qemu guest through its guest-agent socket"),
            new("--timeout", "DURATION", "limit of each phase, e.g. 30s, 2m (default 30s)"),
        ],
        [
            "rewind hook add db pg-backup --pre 'psql -c \"CHECKPOINT\"' --timeout 1m",
            "rewind hook add stack app --pre 'systemctl kill -s STOP app' --post 'systemctl kill -s CONT app'",
            "rewind hook add vm1 fsfreeze --guest-agent /run/qemu/vm1-qga.sock",
        ],
        RunAdd)
    {
        Next = ["rewind hook list stack", "rewind snapshot stack@test   # try it"],
    };

    public static readonly CommandSpec List = new(
        "hook list", ["TARGET"],
        "list the quiesce hooks of a group or volume",
        """
        Lists TARGET's hooks in the order their pre phases run. A group snapshot also runs the hooks of
        its member volumes, after the group's own.
        """,
        [], ["rewind hook list stack", "rewind hook list fast/db --json"],
        RunList);

    public static readonly CommandSpec Remove = new(
        "hook remove", ["TARGET", "NAME"],
        "remove a quiesce hook",
        "Removes hook NAME from TARGET; snapshots from now on do without it.",
        [], ["rewind hook remove stack app"],
        RunRemove);

    public static IEnumerable<CommandSpec> All => [Add, List, Remove];

    private static int RunAdd(CommandContext c)
    {
        string target = c.Args[0], name = c.Args[1];
        string? pre = c.Args.Value("--pre"), post = c.Args.Value("--post"), agent = c.Args.Value("--guest-agent");
        var timeout = c.Args.Value("--timeout") is { } t ? Durations.Parse(t, "timeout") : DefaultTimeout;
        HookSpec hook;
        if (agent != null)
        {
            if (pre != null || post != null)
                throw new UsageException("a hook is either commands (--pre/--post) or a guest agent (--guest-agent), not both; add two hooks");
            // The daemon opens the socket from its own working directory.
            hook = HookSpec.ForGuestAgent(name, Path.GetFullPath(agent), timeout);
        }
        else
        {
            if (pre == null && post == null) throw new UsageException("give --pre CMD, --post CMD (or both), or --guest-agent SOCKET");
            hook = HookSpec.ForCommands(name, pre, post, timeout);
        }
        var hooks = c.Site.AddHook(target, hook);
        if (c.Print.Json)
        {
            c.Print.WriteJson(new { target, hooks });
            return 0;
        }
        c.Print.Line($"added hook {name} to {target}; it runs around every snapshot of {target}");
        WriteTable(c.Print, hooks);
        return 0;
    }

    private static int RunList(CommandContext c)
    {
        string target = c.Args[0];
        var hooks = c.Site.ListHooks(target);
        if (c.Print.Json)
        {
            c.Print.WriteJson(new { target, hooks });
            return 0;
        }
        if (hooks.Count == 0)
        {
            c.Print.Line($"{target} has no hooks; its snapshots are crash-consistent. Add one with 'rewind hook add {target} NAME --pre CMD'");
            return 0;
        }
        WriteTable(c.Print, hooks);
        return 0;
    }

    private static int RunRemove(CommandContext c)
    {
        string target = c.Args[0], name = c.Args[1];
        var hooks = c.Site.RemoveHook(target, name);
        if (c.Print.Json) c.Print.WriteJson(new { target, hooks });
        else c.Print.Line($"removed hook {name} from {target}; {hooks.Count} hook(s) left");
        return 0;
    }

    public static void WriteTable(Printer print, IReadOnlyList<HookSpec> hooks)
    {
        var table = new Table("HOOK", "KIND", "TIMEOUT", "RUNS");
        foreach (var h in hooks)
        {
            string runs = h.Kind == HookKind.GuestAgent
                ? $"guest-fsfreeze-freeze/thaw via {h.AgentSocket}"
                : string.Join("; ", new[] { h.PreCommand is { } pre ? $"pre: {pre}" : null, h.PostCommand is { } post ? $"post: {post}" : null }.OfType<string>());
            table.Add(h.Name, h.Kind == HookKind.GuestAgent ? "guest-agent" : "command", Durations.Format(h.Timeout), runs);
        }
        table.WriteTo(print.Out);
    }
}
