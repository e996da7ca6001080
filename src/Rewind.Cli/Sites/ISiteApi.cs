using Rewind.Engine;
using Rewind.Management;
using Rewind.Management.Hooks;

namespace Rewind.Cli.Sites;

/// <summary>
/// Everything the commands do to a site (the default pool and the pools registered in it, with their
/// groups, hooks, schedules and audit log). <see cref="LocalSite"/> opens the site in this process;
/// <see cref="RemoteSite"/> goes through a running daemon's API socket. Both give the same answers and
/// the same errors, so no command knows which one it talks to.
/// </summary>
/// <remarks>
/// A volume is addressed as "volume" (the default pool) or "pool/volume"; names in answers are
/// qualified the same way. A "target" is a group name or a volume address.
/// </remarks>
public interface ISiteApi : IDisposable
{
    // ---- pools ----
    IReadOnlyList<PoolEntry> ListPools();
    PoolEntry AddPool(string name, string directory);
    void RemovePool(string name);
    /// <param name="pool">A pool name; null for the default pool.</param>
    PoolStatus GetStatus(string? pool);
    ScrubReport Scrub(string? pool, IProgress<double>? progress);

    // ---- volumes ----
    VolumeInfo CreateVolume(string volume, long sizeBytes);
    IReadOnlyList<VolumeInfo> ListVolumes();
    VolumeInfo GetVolume(string volume);
    bool VolumeExists(string volume);
    VolumeInfo ResizeVolume(string volume, long sizeBytes);
    void RenameVolume(string volume, string newName);
    void DeleteVolume(string volume, bool recursive, bool force);

    // ---- snapshots of one volume ----
    /// <summary>Runs the volume's quiesce hooks around the snapshot when it has any.</summary>
    SnapshotInfo CreateSnapshot(string volume, string snapshot, string? reason);
    IReadOnlyList<SnapshotInfo> ListSnapshots(string? volume);
    void DeleteSnapshot(string volume, string snapshot, bool force);
    void Rollback(string volume, string snapshot, bool force);
    VolumeInfo Clone(string volume, string snapshot, string newVolume);
    IReadOnlyList<ByteRange> Diff(string volume, string from, string? to);
    SnapshotInfo Hold(string volume, string snapshot, string tag);
    SnapshotInfo Release(string volume, string snapshot, string tag);

    // ---- groups ----
    IReadOnlyList<GroupInfo> ListGroups();
    /// <summary>The group called <paramref name="name"/>, or null when there is none.</summary>
    GroupInfo? FindGroup(string name);
    GroupInfo CreateGroup(string name, IReadOnlyList<string> members);
    GroupInfo AddGroupMembers(string group, IReadOnlyList<string> members);
    GroupInfo RemoveGroupMembers(string group, IReadOnlyList<string> members);
    void DeleteGroup(string group);
    GroupSnapshotInfo SnapshotGroup(string group, string snapshot, string? reason);
    /// <summary>Newest first.</summary>
    IReadOnlyList<GroupSnapshotEntry> ListGroupSnapshots(string group);
    void DeleteGroupSnapshot(string group, string snapshot, bool force);
    void RollbackGroup(string group, string snapshot, bool force);
    /// <summary>Clones every member as PREFIX+volume into a new group PREFIX+group, which is returned.</summary>
    GroupInfo CloneGroup(string group, string snapshot, string prefix);
    void HoldGroup(string group, string snapshot, string tag);
    void ReleaseGroup(string group, string snapshot, string tag);

    // ---- quiesce hooks of a group or volume ----
    IReadOnlyList<HookSpec> ListHooks(string target);
    IReadOnlyList<HookSpec> AddHook(string target, HookSpec hook);
    IReadOnlyList<HookSpec> RemoveHook(string target, string hook);

    // ---- schedules and retention ----
    IReadOnlyList<ScheduleInfo> ListSchedules();
    ScheduleInfo SetSchedule(string target, string schedule, string retention);
    void ClearSchedule(string target);
    /// <param name="policy">Overrides the target's own retention policy; null uses it.</param>
    PruneReport Prune(string target, bool dryRun, string? policy);

    /// <summary>The newest <paramref name="last"/> entries (all when null) at or after <paramref name="since"/>, oldest first.</summary>
    IReadOnlyList<AuditEntry> ReadAuditLog(int? last, DateTimeOffset? since);

    /// <summary>Opens "[pool/]volume" (read-write unless asked) or "[pool/]volume@snapshot" (always read-only) for block I/O.</summary>
    IBlockDevice OpenDevice(string target, bool readOnly);
}

/// <summary>A snapshot every member of a group holds; <paramref name="Held"/> when any member's copy is held.</summary>
public sealed record GroupSnapshotEntry(string Name, DateTimeOffset CreatedAt, bool Held);
