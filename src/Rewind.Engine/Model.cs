namespace Rewind.Engine;

/// <summary>A live, writable volume as the catalog describes it.</summary>
/// <param name="ReferencedBytes">Bytes of allocated (non-hole) clusters the live volume maps.</param>
/// <param name="UsedBytes">Bytes that deleting the volume together with all its snapshots would free.</param>
/// <param name="SnapshotsUniqueBytes">Bytes held only by this volume's snapshots (what deleting all of them would free).</param>
/// <param name="Origin">For a clone, "volume@snapshot" it was cloned from (informational: clones never depend on it).</param>
public sealed record VolumeInfo(
    string Name,
    long Id,
    long SizeBytes,
    DateTimeOffset CreatedAt,
    int SnapshotCount,
    long ReferencedBytes,
    long UsedBytes,
    long SnapshotsUniqueBytes,
    string? Origin,
    int OpenHandles);

/// <summary>An immutable point in time of a volume.</summary>
/// <param name="ReferencedBytes">Bytes of allocated clusters the snapshot maps.</param>
/// <param name="UniqueBytes">Bytes that deleting this snapshot alone would free.</param>
public sealed record SnapshotInfo(
    string Volume,
    string Name,
    long Id,
    long SizeBytes,
    DateTimeOffset CreatedAt,
    long ReferencedBytes,
    long UniqueBytes)
{
    public string FullName => $"{Volume}@{Name}";

    /// <summary>Who took it: a user name, or "schedule:&lt;target&gt;" for the scheduler.</summary>
    public string? CreatedBy { get; init; }

    /// <summary>Why it was taken, in the taker's words.</summary>
    public string? Reason { get; init; }

    /// <summary>True when quiesce hooks ran around the cut (application-consistent); false for crash-consistent.</summary>
    public bool ApplicationConsistent { get; init; }

    /// <summary>The consistency group whose snapshot this is a member of, if any.</summary>
    public string? Group { get; init; }

    /// <summary>Tags that keep it from being deleted or pruned until each is released.</summary>
    public IReadOnlyList<string> Holds { get; init; } = [];
}

/// <summary>What a snapshot records about its making, beyond the data (see <see cref="SnapshotInfo"/>).</summary>
public sealed record SnapshotMeta
{
    public string? CreatedBy { get; init; }
    public string? Reason { get; init; }
    public bool ApplicationConsistent { get; init; }
    public string? Group { get; init; }

    /// <summary>Shared by every member snapshot of one group snapshot; names the cut for crash resolution.</summary>
    public string? GroupCut { get; init; }

    /// <summary>Ids of every pool the group cut spans: after a crash, the cut stands only if all of them hold it.</summary>
    public IReadOnlyList<string>? GroupPools { get; init; }

    public static readonly SnapshotMeta None = new();
}

/// <summary>One volume taking part in a group operation.</summary>
public sealed record GroupMember(Pool Pool, string Volume);

/// <summary>The outcome of a group snapshot.</summary>
/// <param name="Pause">How long writers to the members were held off: from the first pool's lock taken to the last released.</param>
public sealed record GroupSnapshotResult(IReadOnlyList<SnapshotInfo> Snapshots, TimeSpan Pause, string CutId);

/// <summary>A group cut that a crash left undecided in one pool (see <see cref="Pool.ResolveGroupCuts"/>).</summary>
public sealed record PendingGroupCut(string CutId, string? Group, IReadOnlyList<string> Pools, IReadOnlyList<string> Snapshots);

public enum GroupCutFate { Kept, Dropped, Undecided }

/// <summary>What resolving did with a cut: kept in every pool, dropped from every pool, or left pending.</summary>
public sealed record GroupCutOutcome(PendingGroupCut Cut, GroupCutFate Fate);

/// <summary>A byte range [Offset, Offset+Length).</summary>
public readonly record struct ByteRange(long Offset, long Length)
{
    public long End => Offset + Length;
}

/// <summary>One run of a volume's allocation map: either data or a hole that reads as zeros.</summary>
public readonly record struct Extent(long Offset, long Length, bool IsHole);

/// <summary>Pool-wide space, like `zpool list` plus the background reclaimer's backlog.</summary>
public sealed record PoolStatus(
    string Directory,
    int ClusterSize,
    int VolumeCount,
    int SnapshotCount,
    long AllocatedBytes,
    long PendingFreeBytes,
    long DataFileBytesOnDisk,
    long MetadataBytes,
    long FilesystemFreeBytes,
    long MapMemoryBytes);

/// <summary>One problem scrub found.</summary>
public sealed record ScrubProblem(string Kind, string Where, string Detail);

public sealed record ScrubReport(
    long ClustersChecked,
    long BytesChecked,
    int VersionsChecked,
    IReadOnlyList<ScrubProblem> Problems)
{
    public bool Clean => Problems.Count == 0;
}

/// <summary>Pool-creation settings. They are fixed once the pool exists.</summary>
public sealed record PoolOptions
{
    /// <summary>Allocation and copy-on-write unit in bytes: a power of two from 4 KiB to 1 MiB.</summary>
    public int ClusterSize { get; init; } = 64 * 1024;

    /// <summary>Where files live. Tests pass a fault-injecting storage; everyone else gets the real filesystem.</summary>
    public Storage.IStorage? Storage { get; init; }

    /// <summary>Run the background reclaimer and periodic commits on a thread (off in some tests for determinism).</summary>
    public bool BackgroundWork { get; init; } = true;

    /// <summary>Rewrite the checkpoint once the journal holds this many bytes.</summary>
    public long CheckpointAfterJournalBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Where creation times come from.</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Who holds the pool, written into the lock-owner file for the error a second opener sees.</summary>
    public string HolderDescription { get; init; } = "rewind";
}
