using System.Globalization;
using Rewind.Management;
using Rewind.Management.Hooks;

namespace Rewind.Cli.Sites;

/// <summary>Groups, hooks, schedules and the audit log over the daemon's API.</summary>
public sealed partial class RemoteSite
{
    public IReadOnlyList<GroupInfo> ListGroups() => Send<List<GroupInfo>>(HttpMethod.Get, "groups");

    public GroupInfo? FindGroup(string name)
    {
        // Group names never hold a slash: "pool/volume" is always a volume.
        if (name.Contains('/')) return null;
        try { return Send<GroupInfo>(HttpMethod.Get, $"groups/{E(name)}"); }
        catch (Engine.RewindException e) when (e.Kind == Engine.ErrorKind.NotFound) { return null; }
    }

    public GroupInfo CreateGroup(string name, IReadOnlyList<string> members) =>
        Send<GroupInfo>(HttpMethod.Post, "groups", new { name, members });
    public GroupInfo AddGroupMembers(string group, IReadOnlyList<string> members) =>
        Send<GroupInfo>(HttpMethod.Post, $"groups/{E(group)}/members", new { members });
    public GroupInfo RemoveGroupMembers(string group, IReadOnlyList<string> members) =>
        Send<GroupInfo>(HttpMethod.Post, $"groups/{E(group)}/members/remove", new { members });
    public void DeleteGroup(string group) => Send(HttpMethod.Delete, $"groups/{E(group)}");

    public GroupSnapshotInfo SnapshotGroup(string group, string snapshot, string? reason) =>
        Send<GroupSnapshotInfo>(HttpMethod.Post, $"groups/{E(group)}/snapshots", new { name = snapshot, reason });
    public IReadOnlyList<GroupSnapshotEntry> ListGroupSnapshots(string group) =>
        Send<List<GroupSnapshotEntry>>(HttpMethod.Get, $"groups/{E(group)}/snapshots");
    public void DeleteGroupSnapshot(string group, string snapshot, bool force) =>
        Send(HttpMethod.Delete, $"groups/{E(group)}/snapshots/{E(snapshot)}?force={force}");
    public void RollbackGroup(string group, string snapshot, bool force) =>
        Send(HttpMethod.Post, $"groups/{E(group)}/rollback", new { snapshot, force });
    public GroupInfo CloneGroup(string group, string snapshot, string prefix) =>
        Send<GroupInfo>(HttpMethod.Post, $"groups/{E(group)}/snapshots/{E(snapshot)}/clone", new { prefix });
    public void HoldGroup(string group, string snapshot, string tag) =>
        Send(HttpMethod.Post, $"groups/{E(group)}/snapshots/{E(snapshot)}/hold", new { tag });
    public void ReleaseGroup(string group, string snapshot, string tag) =>
        Send(HttpMethod.Post, $"groups/{E(group)}/snapshots/{E(snapshot)}/release", new { tag });

    public IReadOnlyList<HookSpec> ListHooks(string target) => Send<List<HookSpec>>(HttpMethod.Get, $"targets/{E(target)}/hooks");
    public IReadOnlyList<HookSpec> AddHook(string target, HookSpec hook) => Send<List<HookSpec>>(HttpMethod.Post, $"targets/{E(target)}/hooks", hook);
    public IReadOnlyList<HookSpec> RemoveHook(string target, string hook) =>
        Send<List<HookSpec>>(HttpMethod.Delete, $"targets/{E(target)}/hooks/{E(hook)}");

    public IReadOnlyList<ScheduleInfo> ListSchedules() => Send<List<ScheduleInfo>>(HttpMethod.Get, "schedules");
    public ScheduleInfo SetSchedule(string target, string schedule, string retention) =>
        Send<ScheduleInfo>(HttpMethod.Put, $"targets/{E(target)}/schedule", new { schedule, retention });
    public void ClearSchedule(string target) => Send(HttpMethod.Delete, $"targets/{E(target)}/schedule");
    public PruneReport Prune(string target, bool dryRun, string? policy) =>
        Send<PruneReport>(HttpMethod.Post, $"targets/{E(target)}/prune", new { dryRun, policy });

    public IReadOnlyList<AuditEntry> ReadAuditLog(int? last, DateTimeOffset? since)
    {
        var query = new List<string>();
        if (last is { } n) query.Add("last=" + n.ToString(CultureInfo.InvariantCulture));
        if (since is { } t) query.Add("since=" + E(t.ToString("O", CultureInfo.InvariantCulture)));
        return Send<List<AuditEntry>>(HttpMethod.Get, "audit" + (query.Count == 0 ? "" : "?" + string.Join('&', query)));
    }
}
