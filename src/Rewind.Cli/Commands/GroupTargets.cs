using Rewind.Cli.Sites;
using Rewind.Engine;
using Rewind.Management;

namespace Rewind.Cli.Commands;

/// <summary>
/// Commands that take a TARGET act on a whole group when TARGET names one, else on a volume. Groups and
/// volumes of the default pool share one namespace, so a name is never both.
/// </summary>
public static class GroupTargets
{
    /// <summary>The group called <paramref name="target"/>, or null when it is a volume (every "pool/volume" is).</summary>
    public static GroupInfo? GroupOrNull(ISiteApi site, string target) =>
        target.Contains('/') ? null : site.FindGroup(target);

    /// <summary>Each member's copy of the group snapshot, in member order (members that lack it are left out).</summary>
    public static List<SnapshotInfo> MemberSnapshots(ISiteApi site, GroupInfo group, string snapshot) =>
        group.Members
            .Select(m => site.ListSnapshots(m).FirstOrDefault(s => s.Name == snapshot))
            .OfType<SnapshotInfo>()
            .ToList();
}
