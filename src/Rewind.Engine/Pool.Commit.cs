using Rewind.Engine.Journal;
using Rewind.Engine.Map;
using Rewind.Engine.Storage;

namespace Rewind.Engine;

/// <summary>
/// Durability. Commit order, which every path obeys:
///   1. under _lock: take the journal buffer and the slots freed so far (one consistent cut);
///   2. fdatasync the data files (every slot the taken records point at was written before step 1);
///   3. write the buffer as one journal block, fdatasync the journal;
///   4. (under _lock) make the freed slots reusable; slots that then stay free are punched out of the
///      data files by a later pass (PunchIdleSlots), taken out of the free set while it runs.
/// A failure in 2 or 3 fails the pool: later writes are refused, since the disk may have dropped data
/// we can no longer name. Checkpoints follow the same order and then let old journals go.
/// </summary>
public sealed partial class Pool
{
    private readonly object _commitLock = new();
    private IStorageFile? _journal;
    private long _journalGeneration;
    private long _journalLength;
    private ulong _nextBlock = 1;
    private ulong _durableSeq;
    private long _checkpointGeneration;
    private Thread? _background;
    private readonly AutoResetEvent _wake = new(false);
    private volatile bool _stopping;
    private long _lastCommitTicks = Environment.TickCount64;
    private long _lastPunchTicks = Environment.TickCount64;

    private static string CheckpointName(long generation) => $"checkpoint.{generation & 1}";

    /// <summary>Every write acknowledged before this call is durable when it returns.</summary>
    public void Flush()
    {
        ulong target;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed && _background == null && _journal == null, this);
            if (_failure != null) CheckWritable();
            target = _lastSeq;
        }
        lock (_commitLock)
        {
            if (Volatile.Read(ref _durableSeq) >= target) return;
            CommitLocked();
        }
    }

    /// <summary>Makes everything so far durable (metadata operations call this before they return).</summary>
    private void Commit()
    {
        lock (_commitLock) CommitLocked();
    }

    private void CommitLocked()
    {
        byte[]? payload;
        List<uint> freed;
        ulong seq, block = 0;
        lock (_lock)
        {
            SealInPlace(); // no slot named by this block may be rewritten in place from here on
            if (_failure != null) CheckWritable();
            payload = _journalBuffer.WrittenCount > 0 ? _journalBuffer.WrittenSpan.ToArray() : null;
            _journalBuffer.ResetWrittenCount();
            freed = _slots.TakePending();
            seq = _lastSeq;
            if (payload != null) block = _nextBlock++;
        }
        if (payload != null)
        {
            try
            {
                _data.Sync();
                var header = new byte[JournalFile.BlockHeaderSize];
                JournalFile.EncodeBlockHeader(header, block, payload);
                var framed = new byte[header.Length + payload.Length];
                header.CopyTo(framed, 0);
                payload.CopyTo(framed, header.Length);
                _journal!.Write(_journalLength, framed);
                _journal.Sync();
                _journalLength += framed.Length;
            }
            catch (IOException e)
            {
                throw Fail($"committing the journal {_storage.Describe(_journal!.Name)}", e);
            }
        }
        Volatile.Write(ref _durableSeq, seq);
        _lastCommitTicks = Environment.TickCount64;
        if (freed.Count > 0)
        {
            // Not punched here: most freed slots are overwrite churn, handed out again within a second.
            // PunchIdleSlots gives back those that stay free.
            lock (_lock)
            {
                uint highWater = _slots.MakeReusable(freed);
                try { _data.Truncate(highWater); } catch (IOException) { }
            }
        }
    }

    private RewindException Fail(string what, Exception e)
    {
        lock (_lock) _failure ??= $"{what}: {e.Message}";
        return new RewindException(ErrorKind.IO,
            $"I/O error {what}: {e.Message}; the pool now refuses writes until it is reopened", e);
    }

    /// <summary>
    /// Writes a checkpoint: a consistent copy of all maps (their roots are pinned, so writers copy
    /// instead of changing them), then switches to a fresh journal and drops journals no checkpoint needs.
    /// </summary>
    internal void WriteCheckpoint()
    {
        lock (_commitLock)
        {
            CommitLocked();
            Checkpoint cp;
            var pinned = new List<MapNode>();
            long newGeneration;
            lock (_lock)
            {
                SealInPlace(); // the checkpoint names every installed slot: none may be rewritten in place
                newGeneration = _journalGeneration + 1;
                cp = new Checkpoint
                {
                    Generation = newGeneration, LastSeq = _lastSeq, NextId = _nextId, ClusterSize = ClusterSize, PoolId = PoolId,
                };
                foreach (var v in _volumesById.Values.OrderBy(v => v.Id))
                {
                    var image = new Checkpoint.VolumeImage
                    {
                        Id = v.Id, Size = v.Size, Created = v.CreatedAt.ToUnixTimeMilliseconds(), Name = v.Name,
                        Origin = v.Origin ?? "", Root = v.Root,
                    };
                    foreach (var s in v.Snapshots)
                        image.Snapshots.Add(new Checkpoint.SnapshotImage
                        {
                            Id = s.Id, Size = s.Size, Created = s.CreatedAt.ToUnixTimeMilliseconds(), Name = s.Name, Root = s.Root,
                            Meta = MetaCodec.Encode(s.Meta), Holds = MetaCodec.EncodeHolds(s.Holds), Pending = s.Pending,
                        });
                    cp.Volumes.Add(image);
                }
                foreach (var root in cp.Volumes.SelectMany(v => v.Snapshots.Select(s => s.Root).Prepend(v.Root)))
                    if (root != null) { root.Refs++; pinned.Add(root); }
                // Records after this point go to the new journal; the checkpoint covers everything up to LastSeq.
                var next = _storage.Open(JournalFile.NameOf(newGeneration), create: true);
                next.SetLength(0);
                _journal?.Dispose();
                _journal = next;
                _journalLength = 0;
                _journalGeneration = newGeneration;
                cp.NextBlock = _nextBlock;
            }
            try
            {
                _storage.SyncDirectory();
                _data.Sync(); // installed-but-unflushed writes are in the checkpoint: their data must be on disk
                var bytes = cp.Serialize();
                using (var file = _storage.Open(CheckpointName(newGeneration), create: true))
                {
                    file.Write(0, bytes);
                    file.SetLength(bytes.Length);
                    file.Sync();
                }
                _storage.SyncDirectory();
                _checkpointGeneration = newGeneration;
                // The other checkpoint file (generation newGeneration-1) replays from journal newGeneration-1.
                foreach (var name in _storage.List())
                    if (JournalFile.TryParseGeneration(name, out long g) && g < newGeneration - 1) _storage.Delete(name);
            }
            catch (IOException e)
            {
                throw Fail("writing a checkpoint", e);
            }
            finally
            {
                lock (_lock) foreach (var root in pinned) _releaser.Release(root);
            }
        }
    }

    /// <summary>
    /// Finishes background reclamation now: releases every dropped map node and returns freed slots to
    /// the filesystem. Deletes and overwrites otherwise do this within about a second.
    /// </summary>
    public void ReclaimNow()
    {
        lock (_lock) _releaser.Drain();
        Commit();
        PunchIdleSlots(now: true);
    }

    /// <summary>
    /// Punches free slots out of the data files: those seen free by the previous pass too (or all free
    /// ones when <paramref name="now"/>). The slots are taken out of the free set meanwhile.
    /// </summary>
    private void PunchIdleSlots(bool now)
    {
        List<uint> slots;
        lock (_lock) slots = _slots.TakeForPunch(now);
        if (slots.Count == 0) return;
        try { _data.PunchFree(slots); }
        catch (IOException) { /* the space stays allocated on disk; correctness does not depend on it */ }
        finally
        {
            lock (_lock)
            {
                _slots.FinishPunch(slots);
                uint highWater = _slots.ShrinkHighWater();
                try { _data.Truncate(highWater); } catch (IOException) { }
            }
        }
    }

    private void MaybeCommitInBackground()
    {
        if (_journalBuffer.WrittenCount > (4 << 20)) WakeBackground();
    }

    private void WakeBackground() => _wake.Set();

    private void StartBackground()
    {
        _background = new Thread(BackgroundLoop) { IsBackground = true, Name = "rewind-pool" };
        _background.Start();
    }

    private void StopBackground()
    {
        _stopping = true;
        _wake.Set();
        _background?.Join();
        _background = null;
    }

    /// <summary>
    /// Releases dropped nodes a batch at a time (so a huge delete never holds the lock for long), commits
    /// every second when there is something to commit (like a ZFS txg), and checkpoints a long journal.
    /// </summary>
    private void BackgroundLoop()
    {
        while (!_stopping)
        {
            _wake.WaitOne(200);
            if (_stopping) break;
            try
            {
                bool more = true;
                while (more && !_stopping)
                {
                    lock (_lock) more = !_releaser.Drain(512);
                }
                bool due;
                lock (_lock)
                {
                    due = _failure == null && (_journalBuffer.WrittenCount > (4 << 20)
                          || ((_journalBuffer.WrittenCount > 0 || _slots.PendingSlots > 0) && Environment.TickCount64 - _lastCommitTicks > 1000));
                }
                if (due) Commit();
                if (_failure == null && Environment.TickCount64 - _lastPunchTicks > 2000)
                {
                    _lastPunchTicks = Environment.TickCount64;
                    PunchIdleSlots(now: false);
                }
                if (_failure == null && Volatile.Read(ref _journalLength) > _options.CheckpointAfterJournalBytes) WriteCheckpoint();
            }
            catch (RewindException)
            {
                // The pool is failed; foreground calls report it.
            }
        }
    }
}
