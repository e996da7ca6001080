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
}

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

    /// <summary>Who holds the pool, written into the lock-owner file for the error a second opener sees.</summary>
    public string HolderDescription { get; init; } = "rewind";
}
