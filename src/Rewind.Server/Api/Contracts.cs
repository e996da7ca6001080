namespace Rewind.Server.Api;

public sealed record CreateVolumeRequest(string Name, long Size);
public sealed record ResizeRequest(long Size);
public sealed record RenameRequest(string NewName);
public sealed record SnapshotRequest(string Name, string? Reason = null);
public sealed record HoldRequest(string Tag = "keep");
public sealed record CreatePoolRequest(string Name, string Directory);
public sealed record CreateGroupRequest(string Name, IReadOnlyList<string> Members);
public sealed record MembersRequest(IReadOnlyList<string> Members);
public sealed record GroupCloneRequest(string Prefix);
public sealed record ScheduleRequest(string Schedule, string Retention = "");
public sealed record PruneRequest(bool DryRun = false, string? Policy = null);
public sealed record RollbackRequest(string Snapshot, bool Force = false);
public sealed record CloneRequest(string NewName);
public sealed record DaemonInfo(string Pool, int ProcessId, string Version, IReadOnlyList<string> NbdEndpoints, IReadOnlyList<string> ApiEndpoints);
