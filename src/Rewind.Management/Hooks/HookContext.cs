namespace Rewind.Management.Hooks;

/// <summary>
/// What the hooks are told about the snapshot being taken. Command hooks see it as the environment
/// variables REWIND_TARGET, REWIND_SNAPSHOT, REWIND_VOLUMES (space separated) and REWIND_PHASE (pre|post).
/// </summary>
/// <param name="Target">The volume or consistency group being snapshotted.</param>
/// <param name="Snapshot">The snapshot's name.</param>
/// <param name="Volumes">Every volume the snapshot covers.</param>
public sealed record HookContext(string Target, string Snapshot, IReadOnlyList<string> Volumes);
