using Rewind.Cli.CommandLine;
using Rewind.Cli.Output;
using Rewind.Management;

namespace Rewind.Cli.Commands;

/// <summary>group create | list | info | add | remove | delete: consistency groups of volumes from any pools.</summary>
public static class GroupCommands
{
    public static readonly CommandSpec Create = new(
        "group create", ["NAME", "MEMBER..."],
        "make a consistency group of volumes (from any pools)",
        """
        Makes NAME a group of the given volumes ("vol" or "pool/vol"). 'rewind snapshot NAME@SNAP' then
        snapshots every member at one instant - every write acknowledged before it is in, none issued
        after it returned - and rollback and clone act on the whole group. Groups share their names with
        the default pool's volumes. Members keep working as volumes on their own.
        """,
        [], ["rewind group create vm1 fast/vm1-root slow/vm1-data", "rewind group create stack web db fast/cache"],
        RunCreate)
    {
        Next = ["rewind hook add vm1 fsfreeze --guest-agent /run/vm1-qga.sock", "rewind snapshot vm1@first", "rewind schedule set vm1 daily --keep daily=7"],
    };

    public static readonly CommandSpec List = new(
        "group list", [],
        "list the groups with their members",
        "Lists every group: its members, how many quiesce hooks it has, and its schedule if any.",
        [], ["rewind group list", "rewind group list --json"],
        RunList);

    public static readonly CommandSpec Info = new(
        "group info", ["NAME"],
        "show a group: members, hooks, schedule and snapshots",
        "Shows a group's members, its quiesce hooks, its schedule and retention, and its group snapshots.",
        [], ["rewind group info vm1", "rewind group info vm1 --json"],
        RunInfo);

    public static readonly CommandSpec AddMembers = new(
        "group add", ["NAME", "MEMBER..."],
        "add volumes to a group",
        "Adds volumes to the group; group snapshots taken from now on include them.",
        [], ["rewind group add stack fast/queue"],
        c => RunChange(c, add: true));

    public static readonly CommandSpec RemoveMembers = new(
        "group remove", ["NAME", "MEMBER..."],
        "take volumes out of a group",
        """
        Takes volumes out of the group. They and their snapshots (group snapshots included) stay; later
        group snapshots leave them out.
        """,
        [], ["rewind group remove stack fast/queue"],
        c => RunChange(c, add: false));

    public static readonly CommandSpec Delete = new(
        "group delete", ["NAME"],
        "forget a group (its volumes and snapshots stay)",
        "Deletes the group and its schedule. Its member volumes and all their snapshots stay.",
        [], ["rewind group delete stack"],
        RunDelete);

    public static IEnumerable<CommandSpec> All => [Create, List, Info, AddMembers, RemoveMembers, Delete];

    private static int RunCreate(CommandContext c)
    {
        var group = c.Site.CreateGroup(c.Args[0], c.Args.From(1));
        if (c.Print.Json) c.Print.WriteJson(group);
        else c.Print.Line($"created group {group.Name}: {Members(group)}; snapshot it with 'rewind snapshot {group.Name}@NAME'");
        return 0;
    }

    private static int RunList(CommandContext c)
    {
        var groups = c.Site.ListGroups();
        if (c.Print.Json)
        {
            c.Print.WriteJson(new { groups });
            return 0;
        }
        if (groups.Count == 0)
        {
            c.Print.Line("no groups; make one with 'rewind group create NAME VOLUME...'");
            return 0;
        }
        var table = new Table("NAME", "MEMBERS", "HOOKS", "SCHEDULE");
        foreach (var g in groups)
            table.Add(g.Name, Members(g), g.Hooks.Count == 0 ? "-" : string.Join(',', g.Hooks.Select(h => h.Name)), g.Schedule?.Schedule ?? "-");
        table.WriteTo(c.Print.Out);
        return 0;
    }

    private static int RunInfo(CommandContext c)
    {
        string name = c.Args[0];
        var group = c.Site.FindGroup(name)
                    ?? throw new Engine.RewindException(Engine.ErrorKind.NotFound, $"no group '{name}'; 'rewind group list' shows the groups");
        var snapshots = c.Site.ListGroupSnapshots(group.Name);
        if (c.Print.Json)
        {
            c.Print.WriteJson(new { group.Name, group.Members, group.Hooks, group.Schedule, snapshots });
            return 0;
        }
        var p = c.Print;
        p.Line($"group:     {group.Name}");
        p.Line($"members:   {Members(group)}");
        p.Line($"schedule:  {(group.Schedule == null ? "-" : ScheduleCommands.Describe(group.Schedule))}");
        p.Line($"hooks:     {group.Hooks.Count}");
        if (group.Hooks.Count > 0) HookCommands.WriteTable(p, group.Hooks);
        p.Line($"snapshots: {snapshots.Count}");
        if (snapshots.Count > 0)
        {
            var table = new Table("NAME", "CREATED", "HELD");
            foreach (var s in snapshots.OrderBy(s => s.CreatedAt))
                table.Add($"{group.Name}@{s.Name}", SnapshotTable.Time(s.CreatedAt), s.Held ? "yes" : "no");
            table.WriteTo(p.Out);
        }
        return 0;
    }

    private static int RunChange(CommandContext c, bool add)
    {
        var members = c.Args.From(1);
        var group = add ? c.Site.AddGroupMembers(c.Args[0], members) : c.Site.RemoveGroupMembers(c.Args[0], members);
        if (c.Print.Json) c.Print.WriteJson(group);
        else c.Print.Line($"{(add ? "added" : "removed")} {string.Join(", ", members)}; group {group.Name} now: {Members(group)}");
        return 0;
    }

    private static int RunDelete(CommandContext c)
    {
        c.Site.DeleteGroup(c.Args[0]);
        if (c.Print.Json) c.Print.WriteJson(new { deleted = c.Args[0] });
        else c.Print.Line($"deleted group {c.Args[0]}; its volumes and their snapshots stay");
        return 0;
    }

    private static string Members(GroupInfo g) => g.Members.Count == 0 ? "(none)" : string.Join(", ", g.Members);
}
