using Rewind.Engine.Journal;
using Rewind.Engine.Map;

namespace Rewind.Engine;

/// <summary>
/// Opening a pool: load the newest intact checkpoint, replay the journal records after it, discard a
/// torn journal tail, recount slot references from the maps and give unreferenced slots back. No
/// repair step exists because none is needed: whatever a crash left, this reaches the last committed state.
/// </summary>
public sealed partial class Pool
{
    private (Checkpoint? Best, bool Damaged) ReadCheckpoints()
    {
        Checkpoint? best = null;
        bool damaged = false;
        for (int slot = 0; slot < 2; slot++)
        {
            string name = CheckpointName(slot);
            if (!_storage.Exists(name)) continue;
            using var file = _storage.Open(name, create: false);
            var bytes = new byte[file.Length];
            file.Read(0, bytes);
            var cp = Checkpoint.Parse(bytes);
            if (cp == null) { damaged = true; _recoveryNotes.Add($"checkpoint {_storage.Describe(name)} is damaged or torn; using the other one"); continue; }
            if (best == null || cp.Generation > best.Generation) best = cp;
        }
        return (best, damaged);
    }

    private int? ExistingClusterSize()
    {
        for (int slot = 0; slot < 2; slot++)
        {
            string name = CheckpointName(slot);
            if (!_storage.Exists(name)) continue;
            using var file = _storage.Open(name, create: false);
            var header = new byte[Checkpoint.HeaderSize];
            if (file.Read(0, header) == header.Length && Checkpoint.ReadHeader(header) is { } cp) return cp.ClusterSize;
        }
        return null;
    }

    private void Recover()
    {
        var (cp, damaged) = ReadCheckpoints();
        var journals = _storage.List()
            .Select(n => JournalFile.TryParseGeneration(n, out long g) ? g : -1)
            .Where(g => g >= 0).Order().ToList();
        if (cp == null)
        {
            if ((damaged || journals.Count > 0) && IsUnfinishedCreation(journals))
            {
                // A crash while the pool was first being created: nothing was ever committed, so start again.
                _recoveryNotes.Add($"pool {Directory} was never fully created (a crash interrupted its first checkpoint); created it afresh");
            }
            else if (damaged || journals.Count > 0 || _storage.List().Any(n => n.StartsWith("data.", StringComparison.Ordinal)))
                throw new RewindException(ErrorKind.Checksum,
                    $"pool {Directory} has no intact checkpoint; its metadata is damaged beyond automatic recovery");
            PoolId = Guid.NewGuid();
            WriteCheckpoint(); // a new pool
            return;
        }
        if (cp.ClusterSize != ClusterSize)
            throw new RewindException(ErrorKind.Checksum, $"checkpoint cluster size {cp.ClusterSize} disagrees with {ClusterSize}");
        LoadCheckpoint(cp);
        _slots.Tracking = false;
        var record = new Record();
        var toReplay = journals.Where(g => g >= cp.Generation).ToList();
        if (toReplay.Count == 0 || toReplay[0] != cp.Generation)
            throw new RewindException(ErrorKind.Checksum,
                $"journal {JournalFile.NameOf(cp.Generation)} that checkpoint generation {cp.Generation} needs is missing from {Directory}");
        long replayed = 0;
        for (int i = 0; i < toReplay.Count; i++)
        {
            long generation = toReplay[i];
            bool lastFile = i == toReplay.Count - 1;
            var file = _storage.Open(JournalFile.NameOf(generation), create: false);
            try
            {
                var read = JournalFile.Read(file, _storage.Describe(file.Name));
                if (read.TornBytes > 0 && !lastFile)
                    throw new RewindException(ErrorKind.Checksum,
                        $"journal {_storage.Describe(file.Name)} is damaged at offset {read.ValidLength} but newer journals exist; the pool cannot be opened safely");
                foreach (var block in read.Blocks)
                {
                    var payload = read.Bytes.AsSpan(block.PayloadOffset, block.PayloadLength);
                    while (payload.Length > 0)
                    {
                        int used = Record.Decode(payload, record);
                        if (used < 0)
                            throw new RewindException(ErrorKind.Checksum,
                                $"journal {_storage.Describe(file.Name)} block {block.Number} holds a record that does not parse");
                        payload = payload[used..];
                        if (record.Seq <= _lastSeq) continue;
                        if (record.Seq != _lastSeq + 1)
                            throw new RewindException(ErrorKind.Checksum,
                                $"journal {_storage.Describe(file.Name)} skips from record {_lastSeq} to {record.Seq}");
                        Replay(record);
                        _lastSeq = record.Seq;
                        replayed++;
                    }
                    _nextBlock = Math.Max(_nextBlock, block.Number + 1);
                }
                if (lastFile)
                {
                    if (read.TornBytes > 0)
                    {
                        _recoveryNotes.Add($"discarded {read.TornBytes} bytes of unfinished journal at the end of {_storage.Describe(file.Name)}");
                        file.SetLength(read.ValidLength);
                        file.Sync();
                    }
                    _journal = file;
                    _journalLength = read.ValidLength;
                    _journalGeneration = generation;
                    file = null!;
                }
            }
            finally
            {
                file?.Dispose();
            }
        }
        _releaser.Drain();
        var seen = new HashSet<MapNode>(ReferenceEqualityComparer.Instance);
        var leaves = new List<MapNode>();
        BlockMap.VisitDistinct(AllRoots(), seen, n => { if (n.IsLeaf) leaves.Add(n); });
        var free = _slots.Rebuild(leaves);
        foreach (var (first, count) in free) _data.PunchRun(first, count);
        _data.Truncate(_slots.HighWater);
        _durableSeq = _lastSeq;
        _checkpointGeneration = cp.Generation;
        // Heal a damaged copy; make the next open quick; give a pool from before pool ids its id at once,
        // since group cuts name pools by it and it must not change across a crash.
        if (damaged || replayed > 0 || cp.ReadFormat < Checkpoint.Format) WriteCheckpoint();
    }

    /// <summary>
    /// True when the only metadata is what creating a pool writes before its first checkpoint is durable:
    /// an empty first journal and no data. Such a pool never acknowledged anything.
    /// </summary>
    private bool IsUnfinishedCreation(List<long> journals)
    {
        if (journals.Any(g => g != 1)) return false;
        foreach (var name in _storage.List())
        {
            bool journalOrData = name.StartsWith("data.", StringComparison.Ordinal) || JournalFile.TryParseGeneration(name, out _);
            if (!journalOrData) continue;
            using var file = _storage.Open(name, create: false);
            if (file.Length > 0) return false;
        }
        return true;
    }

    private IEnumerable<MapNode?> AllRoots() =>
        _volumesById.Values.SelectMany(v => v.Snapshots.Select(s => s.Root).Prepend(v.Root));

    private void LoadCheckpoint(Checkpoint cp)
    {
        _lastSeq = cp.LastSeq;
        _nextBlock = cp.NextBlock;
        _nextId = cp.NextId;
        PoolId = cp.ReadFormat >= 2 ? cp.PoolId : Guid.NewGuid();
        foreach (var image in cp.Volumes)
        {
            ApplyCreateVolume(image.Id, image.Name, image.Size, image.Created,
                image.Origin.Length == 0 ? null : image.Origin, image.Root);
            var vol = _volumesById[image.Id];
            foreach (var s in image.Snapshots)
            {
                var snap = new Snapshot
                {
                    Id = s.Id, Name = s.Name, Volume = vol, Root = s.Root, Size = s.Size,
                    CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(s.Created),
                    Meta = DecodeCheckpointMeta(s.Meta), Holds = MetaCodec.DecodeHolds(s.Holds), Pending = s.Pending,
                };
                if (snap.Root != null) snap.Root.Refs++;
                vol.Snapshots.Add(snap);
                _snapshotsById[s.Id] = snap;
                _nextId = Math.Max(_nextId, s.Id + 1);
            }
        }
    }

    private static SnapshotMeta DecodeCheckpointMeta(string text)
    {
        try { return MetaCodec.DecodeMeta(text); }
        catch (System.Text.Json.JsonException e)
        {
            throw new RewindException(ErrorKind.Checksum, $"a checkpoint holds snapshot metadata that does not parse: {e.Message}");
        }
    }
}
