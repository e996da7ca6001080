namespace Rewind.Engine.Tests.Support;

/// <summary>
/// Random operations applied to a pool and to the model side by side. Every operation a test may want
/// is here once; the model-based tests check after each step, the crash tests record the model state
/// after each step instead. Offsets and lengths are deliberately unaligned, cross cluster boundaries,
/// cover whole clusters, and are sometimes all zeros (which must become holes).
/// </summary>
public sealed class RandomWorkload
{
    private readonly Random _rng;
    private readonly long _maxVolumeBytes;
    private readonly int _clusterSize;
    private readonly string _namePrefix;
    private int _nextName;

    public ModelState Model { get; private set; } = new();
    public Pool Subject { get; set; }
    public int Seed { get; }
    public int OpIndex { get; private set; }
    /// <summary>What the last step did, for failure messages.</summary>
    public string LastOp { get; private set; } = "";
    /// <summary>True when the last step made everything before it durable (flush, FUA, metadata operation).</summary>
    public bool LastOpWasDurable { get; private set; }

    public RandomWorkload(Pool pool, int seed, long maxVolumeBytes, int clusterSize, string namePrefix = "")
    {
        _namePrefix = namePrefix;
        Subject = pool;
        Seed = seed;
        _rng = new Random(seed);
        _maxVolumeBytes = maxVolumeBytes;
        _clusterSize = clusterSize;
    }

    public string Context => $"seed {Seed} op {OpIndex} ({LastOp})";

    public Random Random => _rng;

    public void ReplaceModel(ModelState model) => Model = model;

    private string NewName(string prefix) => _namePrefix + prefix + (++_nextName);

    private long RandomSize() => 512L * _rng.NextInt64(1, _maxVolumeBytes / 512 + 1);

    private string? RandomVolume() => Model.Volumes.Count == 0 ? null : Model.Volumes.Keys.ElementAt(_rng.Next(Model.Volumes.Count));

    private (string Volume, string Snapshot)? RandomSnapshot()
    {
        var all = Model.Volumes.SelectMany(v => v.Value.Snapshots.Select(s => (v.Key, s.Name))).ToList();
        return all.Count == 0 ? null : all[_rng.Next(all.Count)];
    }

    /// <summary>
    /// A range inside a volume of <paramref name="size"/> bytes: tiny, cluster-crossing, whole clusters,
    /// large, or whole sixteenths of one cluster (the checksum blocks an in-place rewrite can update
    /// without reading).
    /// </summary>
    public (long Offset, long Length) RandomRange(long size)
    {
        long offset, length;
        switch (_rng.Next(6))
        {
            case 4: // whole blocks inside one cluster
                long block = _clusterSize / 16, inCluster = size / block;
                if (inCluster == 0) goto default;
                offset = block * _rng.NextInt64(inCluster);
                int left = 16 - (int)(offset % _clusterSize / block);
                length = Math.Min(block * _rng.Next(1, left + 1), size - offset);
                break;
            case 0: // tiny, anywhere
                offset = _rng.NextInt64(size);
                length = _rng.NextInt64(1, Math.Min(300, size - offset) + 1);
                break;
            case 1: // straddles a cluster boundary
                long boundary = _clusterSize * _rng.NextInt64(0, Math.Max(1, size / _clusterSize));
                offset = Math.Clamp(boundary - _rng.Next(1, _clusterSize), 0, size - 1);
                length = _rng.NextInt64(1, Math.Min(2L * _clusterSize, size - offset) + 1);
                break;
            case 2: // whole aligned clusters
                long clusters = size / _clusterSize;
                if (clusters == 0) goto default;
                long first = _rng.NextInt64(clusters);
                offset = first * _clusterSize;
                length = _clusterSize * _rng.NextInt64(1, Math.Min(4, clusters - first) + 1);
                break;
            case 3: // large and unaligned
                offset = _rng.NextInt64(size);
                length = _rng.NextInt64(1, Math.Min(6L * _clusterSize, size - offset) + 1);
                break;
            default:
                offset = _rng.NextInt64(size);
                length = _rng.NextInt64(1, Math.Min(_clusterSize, size - offset) + 1);
                break;
        }
        return (offset, length);
    }

    public byte[] RandomData(long length)
    {
        var data = new byte[length];
        int kind = _rng.Next(10);
        if (kind == 0) return data; // all zeros: must leave holes
        _rng.NextBytes(data);
        if (kind == 1) data.AsSpan(0, data.Length / 2).Clear(); // partly zero
        return data;
    }

    // Each operation updates the model before it calls the pool, so that when a simulated power cut
    // interrupts the call, the model already shows the state the interrupted operation was heading to.

    /// <summary>Performs one random operation on the pool and the model. Returns its name.</summary>
    public string Step(bool allowReopen = true)
    {
        OpIndex++;
        LastOpWasDurable = false;
        if (Model.Volumes.Count == 0) { CreateVolume(); return LastOp; }
        int roll = _rng.Next(100);
        if (roll < 34) Write();
        else if (roll < 44) Zero();
        else if (roll < 52) Snapshot();
        else if (roll < 57) Rollback();
        else if (roll < 61) Clone();
        else if (roll < 66) DeleteSnapshot();
        else if (roll < 69) DeleteVolume();
        else if (roll < 72) CreateVolume();
        else if (roll < 77) Resize();
        else if (roll < 84) Flush();
        else if (roll < 86 && allowReopen) Reopen();
        else ReadCheck();
        return LastOp;
    }

    private void CreateVolume()
    {
        if (Model.Volumes.Count >= 4) { ReadCheck(); return; }
        string name = NewName("v");
        long size = RandomSize();
        LastOp = $"create {name} size {size}";
        Model.CreateVolume(name, size);
        Subject.CreateVolume(name, size);
        LastOpWasDurable = true;
    }

    private void Write()
    {
        string vol = RandomVolume()!;
        long size = Model.Volumes[vol].Content.Length;
        var (offset, length) = RandomRange(size);
        var data = RandomData(length);
        bool fua = _rng.Next(8) == 0;
        LastOp = $"write {vol} offset {offset} length {length}{(fua ? " fua" : "")}";
        Model.Write(vol, offset, data);
        using (var h = Subject.Open(vol)) h.Write(offset, data, fua);
        LastOpWasDurable = fua;
    }

    private void Zero()
    {
        string vol = RandomVolume()!;
        long size = Model.Volumes[vol].Content.Length;
        var (offset, length) = RandomRange(size);
        bool trim = _rng.Next(2) == 0, fua = _rng.Next(8) == 0;
        LastOp = $"{(trim ? "trim" : "write-zeroes")} {vol} offset {offset} length {length}{(fua ? " fua" : "")}";
        Model.Zero(vol, offset, length);
        using (var h = Subject.Open(vol))
        {
            if (trim) h.Trim(offset, length, fua);
            else h.WriteZeroes(offset, length, fua);
        }
        LastOpWasDurable = fua;
    }

    private void Snapshot()
    {
        string vol = RandomVolume()!;
        if (Model.Volumes[vol].Snapshots.Count >= 5) { DeleteSnapshot(); return; }
        string snap = NewName("s");
        LastOp = $"snapshot {vol}@{snap}";
        Model.Snapshot(vol, snap);
        Subject.CreateSnapshot(vol, snap);
        LastOpWasDurable = true;
    }

    private void Rollback()
    {
        if (RandomSnapshot() is not { } pick) { Snapshot(); return; }
        var (vol, snap) = pick;
        LastOp = $"rollback {vol}@{snap}";
        Model.Rollback(vol, snap);
        Subject.Rollback(vol, snap);
        LastOpWasDurable = true;
    }

    private void Clone()
    {
        if (Model.Volumes.Count >= 4) { DeleteVolume(); return; }
        if (RandomSnapshot() is not { } pick) { Snapshot(); return; }
        var (vol, snap) = pick;
        string name = NewName("c");
        LastOp = $"clone {vol}@{snap} {name}";
        Model.Clone(vol, snap, name);
        Subject.Clone(vol, snap, name);
        LastOpWasDurable = true;
    }

    private void DeleteSnapshot()
    {
        if (RandomSnapshot() is not { } pick) { ReadCheck(); return; }
        var (vol, snap) = pick;
        LastOp = $"delete snapshot {vol}@{snap}";
        Model.DeleteSnapshot(vol, snap);
        Subject.DeleteSnapshot(vol, snap);
        LastOpWasDurable = true;
    }

    private void DeleteVolume()
    {
        string vol = RandomVolume()!;
        LastOp = $"delete volume {vol} (recursive)";
        Model.DeleteVolume(vol);
        Subject.DeleteVolume(vol, recursive: true);
        LastOpWasDurable = true;
    }

    private void Resize()
    {
        string vol = RandomVolume()!;
        long size = RandomSize();
        LastOp = $"resize {vol} from {Model.Volumes[vol].Content.Length} to {size}";
        Model.Resize(vol, size);
        Subject.ResizeVolume(vol, size);
        LastOpWasDurable = true;
    }

    private void Flush()
    {
        LastOp = "flush";
        Subject.Flush();
        LastOpWasDurable = true;
    }

    private void Reopen()
    {
        LastOp = "close and reopen the pool";
        var dir = Subject.Directory;
        var options = ReopenOptions ?? throw new InvalidOperationException("set ReopenOptions to allow reopening");
        Subject.Dispose();
        Subject = Pool.Open(dir, options);
        LastOpWasDurable = true;
    }

    public PoolOptions? ReopenOptions { get; set; }

    /// <summary>Reads a random range of a random volume or snapshot and compares it with the model.</summary>
    private void ReadCheck()
    {
        string vol = RandomVolume()!;
        var state = Model.Volumes[vol];
        string target = vol;
        byte[] expected = state.Content;
        if (state.Snapshots.Count > 0 && _rng.Next(3) == 0)
        {
            var s = state.Snapshots[_rng.Next(state.Snapshots.Count)];
            target = $"{vol}@{s.Name}";
            expected = s.Content;
        }
        var (offset, length) = RandomRange(expected.Length);
        LastOp = $"read {target} offset {offset} length {length}";
        var actual = new byte[length];
        using (var h = Subject.Open(target)) h.Read(offset, actual);
        var mismatch = PoolImage.Mismatch(actual, expected.AsSpan((int)offset, (int)length).ToArray());
        Assert.True(mismatch == null, $"{Context}: {mismatch} (relative to offset {offset})");
    }

    /// <summary>Diff between a random snapshot and the live volume or another snapshot, checked against the model.</summary>
    public void DiffCheck()
    {
        if (RandomSnapshot() is not { } pick) return;
        var (vol, snap) = pick;
        var state = Model.Volumes[vol];
        string? to = null;
        byte[] toContent = state.Content;
        if (_rng.Next(2) == 0)
        {
            var other = state.Snapshots[_rng.Next(state.Snapshots.Count)];
            to = other.Name;
            toContent = other.Content;
        }
        var ranges = Subject.Diff(vol, snap, to);
        ModelChecks.DiffCoversChanges(ranges, Model.SnapshotContent(vol, snap), toContent, _clusterSize,
            $"{Context}: diff {vol}@{snap} -> {to ?? "live"}");
    }
}
