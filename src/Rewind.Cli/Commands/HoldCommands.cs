using Rewind.Cli.CommandLine;

namespace Rewind.Cli.Commands;

/// <summary>hold TARGET@SNAP and release TARGET@SNAP: tags that keep a snapshot from deletion and pruning.</summary>
public static class HoldCommands
{
    private const string DefaultTag = "keep";

    public static readonly CommandSpec Hold = new(
        "hold", ["TARGET@SNAP"],
        "protect a snapshot from deletion and pruning",
        """
        Puts a hold (a tag) on the snapshot: 'rewind snapshot delete' refuses it and prune keeps it
        until every hold is released. Several holds with different tags can sit on one snapshot (say one
        per person or purpose); each is released on its own. For a group, every member's copy is held.
        """,
        [new("--tag", "TAG", $"the hold's name (default \"{DefaultTag}\")")],
        ["rewind hold web@baseline", "rewind hold stack@golden --tag release-2.4"],
        c => Run(c, release: false))
    {
        Next = ["rewind snapshot list web", "rewind release web@baseline"],
    };

    public static readonly CommandSpec Release = new(
        "release", ["TARGET@SNAP"],
        "take a hold off a snapshot",
        """
        Removes the hold with the given tag. Once no hold is left the snapshot can be deleted, and prune
        may delete it again if it was taken by a schedule. For a group, every member's copy is released.
        """,
        [new("--tag", "TAG", $"the hold to release (default \"{DefaultTag}\")")],
        ["rewind release web@baseline", "rewind release stack@golden --tag release-2.4"],
        c => Run(c, release: true))
    {
        Next = ["rewind snapshot delete web@baseline"],
    };

    public static IEnumerable<CommandSpec> All => [Hold, Release];

    private static int Run(CommandContext c, bool release)
    {
        var (target, snapshot) = Targets.Snapshot(c.Args[0]);
        string tag = c.Args.Value("--tag") ?? DefaultTag;
        string verb = release ? "released" : "held";
        if (GroupTargets.GroupOrNull(c.Site, target) is { } group)
        {
            if (release) c.Site.ReleaseGroup(group.Name, snapshot, tag);
            else c.Site.HoldGroup(group.Name, snapshot, tag);
            var members = GroupTargets.MemberSnapshots(c.Site, group, snapshot);
            if (c.Print.Json) c.Print.WriteJson(new { target = $"{group.Name}@{snapshot}", tag, members });
            else c.Print.Line($"{verb} {group.Name}@{snapshot} (tag {tag}) in {members.Count} member(s); {HoldsText(members.SelectMany(m => m.Holds).Distinct().ToList())}");
            return 0;
        }
        var info = release ? c.Site.Release(target, snapshot, tag) : c.Site.Hold(target, snapshot, tag);
        if (c.Print.Json) c.Print.WriteJson(info);
        else c.Print.Line($"{verb} {info.FullName} (tag {tag}); {HoldsText(info.Holds)}");
        return 0;
    }

    private static string HoldsText(IReadOnlyList<string> holds) =>
        holds.Count == 0 ? "no holds left: it can be deleted" : $"holds now: {string.Join(", ", holds)}";
}
