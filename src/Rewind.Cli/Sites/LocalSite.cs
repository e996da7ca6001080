using Rewind.Engine;
using Rewind.Management;
using Rewind.Management.Hooks;

namespace Rewind.Cli.Sites;

/// <summary>The site opened in this process for the length of one command: every call goes to <see cref="Site"/>.</summary>
public sealed class LocalSite(Site site) : ISiteApi
{
    /// <param name="directory">The default pool's directory, where the site's own files live.</param>
    /// <param name="holderDescription">Shown to anyone who tries to open a pool while this command holds it.</param>
    public static LocalSite Open(string directory, string holderDescription) =>
        new(Site.Open(directory, new SiteOptions { Holder = holderDescription }));

    /// <summary>What opening had to settle (group cuts a crash left undecided, pools that did not open).</summary>
    public IReadOnlyList<string> OpenNotes => site.OpenNotes;

    public IReadOnlyList<PoolEntry> ListPools() => site.ListPools();
    public PoolEntry AddPool(string name, string directory) => site.AddPool(name, directory);
    public void RemovePool(string name) => site.RemovePool(name);
    public PoolStatus GetStatus(string? pool) => site.GetStatus(pool);
    public ScrubReport Scrub(string? pool, IProgress<double>? progress) => site.Scrub(pool, progress);

    public VolumeInfo CreateVolume(string volume, long sizeBytes) => site.CreateVolume(volume, sizeBytes);
    public IReadOnlyList<VolumeInfo> ListVolumes() => site.ListVolumes();
    public VolumeInfo GetVolume(string volume) => site.GetVolume(volume);
    public bool VolumeExists(string volume) => site.VolumeExists(volume);
    public VolumeInfo ResizeVolume(string volume, long sizeBytes) => site.ResizeVolume(volume, sizeBytes);
    public void RenameVolume(string volume, string newName) => site.RenameVolume(volume, newName);
    public void DeleteVolume(string volume, bool recursive, bool force) => site.DeleteVolume(volume, recursive, force);

    public SnapshotInfo CreateSnapshot(string volume, string snapshot, string? reason) =>
        site.CreateSnapshotAsync(volume, snapshot, reason).GetAwaiter().GetResult();
    public IReadOnlyList<SnapshotInfo> ListSnapshots(string? volume) => site.ListSnapshots(volume);
    public void DeleteSnapshot(string volume, string snapshot, bool force) => site.DeleteSnapshot(volume, snapshot, force);
    public void Rollback(string volume, string snapshot, bool force) => site.Rollback(volume, snapshot, force);
    public VolumeInfo Clone(string volume, string snapshot, string newVolume) => site.Clone(volume, snapshot, newVolume);
    public IReadOnlyList<ByteRange> Diff(string volume, string from, string? to) => site.Diff(volume, from, to);
    public SnapshotInfo Hold(string volume, string snapshot, string tag) => site.Hold(volume, snapshot, tag);
    public SnapshotInfo Release(string volume, string snapshot, string tag) => site.Release(volume, snapshot, tag);

    public IReadOnlyList<GroupInfo> ListGroups() => site.ListGroups();
    public GroupInfo? FindGroup(string name) => site.IsGroupName(name) ? site.GetGroup(name) : null;
    public GroupInfo CreateGroup(string name, IReadOnlyList<string> members) => site.CreateGroup(name, members);
    public GroupInfo AddGroupMembers(string group, IReadOnlyList<string> members) => site.AddGroupMembers(group, members);
    public GroupInfo RemoveGroupMembers(string group, IReadOnlyList<string> members) => site.RemoveGroupMembers(group, members);
    public void DeleteGroup(string group) => site.DeleteGroup(group);
    public GroupSnapshotInfo SnapshotGroup(string group, string snapshot, string? reason) =>
        site.SnapshotGroupAsync(group, snapshot, reason).GetAwaiter().GetResult();
    public IReadOnlyList<GroupSnapshotEntry> ListGroupSnapshots(string group) =>
        site.ListGroupSnapshots(group).Select(s => new GroupSnapshotEntry(s.Name, s.CreatedAt, s.Held)).ToList();
    public void DeleteGroupSnapshot(string group, string snapshot, bool force) => site.DeleteGroupSnapshot(group, snapshot, force);
    public void RollbackGroup(string group, string snapshot, bool force) => site.RollbackGroup(group, snapshot, force);
    public GroupInfo CloneGroup(string group, string snapshot, string prefix) => site.CloneGroup(group, snapshot, prefix);
    public void HoldGroup(string group, string snapshot, string tag) => site.HoldGroup(group, snapshot, tag, release: false);
    public void ReleaseGroup(string group, string snapshot, string tag) => site.HoldGroup(group, snapshot, tag, release: true);

    public IReadOnlyList<HookSpec> ListHooks(string target) => site.ListHooks(target);
    public IReadOnlyList<HookSpec> AddHook(string target, HookSpec hook) => site.AddHook(target, hook);
    public IReadOnlyList<HookSpec> RemoveHook(string target, string hook) => site.RemoveHook(target, hook);

    public IReadOnlyList<ScheduleInfo> ListSchedules() => site.ListSchedules();
    public ScheduleInfo SetSchedule(string target, string schedule, string retention) => site.SetSchedule(target, schedule, retention);
    public void ClearSchedule(string target) => site.ClearSchedule(target);
    public PruneReport Prune(string target, bool dryRun, string? policy) => site.Prune(target, dryRun, policy);

    public IReadOnlyList<AuditEntry> ReadAuditLog(int? last, DateTimeOffset? since) => site.Audit.Read(last, since);

    public IBlockDevice OpenDevice(string target, bool readOnly) => new LocalDevice(site.Open(target, readOnly));

    public void Dispose() => site.Dispose();
}
