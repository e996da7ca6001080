namespace Rewind.Server.Api;

public sealed record CreateVolumeRequest(string Name, long Size);
public sealed record ResizeRequest(long Size);
public sealed record RenameRequest(string NewName);
public sealed record SnapshotRequest(string Name);
public sealed record RollbackRequest(string Snapshot, bool Force = false);
public sealed record CloneRequest(string NewName);
public sealed record DaemonInfo(string Pool, int ProcessId, string Version, IReadOnlyList<string> NbdEndpoints, IReadOnlyList<string> ApiEndpoints);
