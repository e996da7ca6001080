using Rewind.Engine.Map;

namespace Rewind.Engine;

/// <summary>A version is one map root with a size: the live state of a volume, or a snapshot.</summary>
internal abstract class Version
{
    public long Id;
    public MapNode? Root;
    public long Size;
    public DateTimeOffset CreatedAt;
    public bool Deleted;
    public int OpenHandles;
    public abstract string Describe { get; }
}

internal sealed class Volume : Version
{
    public string Name = "";
    public string? Origin;
    public readonly List<Snapshot> Snapshots = new();
    /// <summary>Bumped by rollback: handles opened before it refuse further I/O instead of mixing old and new data.</summary>
    public int Epoch;
    public override string Describe => $"volume {Name}";
}

internal sealed class Snapshot : Version
{
    public string Name = "";
    public Volume Volume = null!;
    public SnapshotMeta Meta = SnapshotMeta.None;
    public List<string> Holds = new();
    /// <summary>Part of a group cut not yet known to stand in every pool: invisible to everyone but the resolver.</summary>
    public bool Pending;
    public override string Describe => $"snapshot {Volume.Name}@{Name}";
}
