using System.Buffers;
using Rewind.Engine.Journal;
using Rewind.Engine.Map;

namespace Rewind.Engine;

/// <summary>
/// Reads and writes. The data I/O runs outside the pool lock; the lock is held only to look entries up
/// (pinning their slots so nothing frees them mid-read) and to install new entries.
///
/// A write never touches a slot that anything durable or shared depends on: each changed cluster goes
/// to a fresh slot (redirect on write), so a cluster shared with snapshots is never copied and a torn
/// write can never damage data a snapshot or an acknowledged write depends on. The one exception is a
/// slot no durable record, checkpoint, snapshot or reader can see yet, which a write inside its cluster
/// rewrites in place (see Pool.InPlace.cs for why that is safe). All-zero clusters become holes.
/// </summary>
public sealed partial class Pool
{
    private readonly StripeLocks _stripes = new();

    private void CheckRange(VolumeHandle h, long offset, long length, long size)
    {
        if (offset < 0 || length < 0 || offset > size || length > size - offset)
            throw new RewindException(ErrorKind.OutOfRange,
                $"range offset {offset} length {length} is outside {h.Target.Describe} (size {size})");
    }

    private void CheckHandle(VolumeHandle h)
    {
        if (!HandleValid(h))
            throw new RewindException(ErrorKind.Stale,
                $"{h.Target.Describe} was rolled back or deleted after it was opened; reopen it to see its new content");
    }

    internal void Read(VolumeHandle h, long offset, Span<byte> buffer)
    {
        if (buffer.Length == 0) { lock (_lock) CheckRange(h, offset, 0, h.Target.Size); return; }
        long first = offset >> ClusterShift;
        long last = (offset + buffer.Length - 1) >> ClusterShift;
        int n = (int)(last - first + 1);
        var entries = ArrayPool<ulong>.Shared.Rent(n);
        bool pinned = false;
        try
        {
            lock (_lock)
            {
                while (true)
                {
                    ObjectDisposedException.ThrowIf(_disposed, this);
                    CheckHandle(h);
                    CheckRange(h, offset, buffer.Length, h.Target.Size);
                    var root = h.Target.Root;
                    for (int i = 0; i < n; i++) entries[i] = BlockMap.Lookup(root, first + i);
                    if (!AnyRewriting(entries, n)) break;
                    Monitor.Wait(_lock); // a slot is half rewritten in place: read it once it is whole
                }
                for (int i = 0; i < n; i++)
                    if (entries[i] != 0) _slots.AddRef(MapEntry.Slot(entries[i]));
                pinned = true;
            }
            byte[]? scratch = null;
            try
            {
                int done = 0;
                for (int i = 0; i < n; i++)
                {
                    long clusterStart = (first + i) << ClusterShift;
                    int inCluster = (int)(offset + done - clusterStart);
                    int take = Math.Min(ClusterSize - inCluster, buffer.Length - done);
                    var dest = buffer.Slice(done, take);
                    ulong e = entries[i];
                    if (e == 0) dest.Clear();
                    else if (take == ClusterSize) ReadCluster(h, e, clusterStart, dest);
                    else
                    {
                        scratch ??= ArrayPool<byte>.Shared.Rent(ClusterSize);
                        ReadPart(h, e, clusterStart, inCluster, dest, scratch);
                    }
                    done += take;
                }
            }
            finally
            {
                if (scratch != null) ArrayPool<byte>.Shared.Return(scratch);
            }
        }
        finally
        {
            if (pinned) Unpin(entries, n);
            ArrayPool<ulong>.Shared.Return(entries);
        }
    }

    private void Unpin(ulong[] entries, int n)
    {
        lock (_lock)
            for (int i = 0; i < n; i++)
                if (entries[i] != 0) _slots.Release(MapEntry.Slot(entries[i]));
    }

    private readonly Space.VerifiedSums _verifiedSums = new();

    /// <summary>
    /// Reads part of a cluster into <paramref name="dest"/>. When the cluster's block checksums are known
    /// (it was read whole and verified before, under this very entry), only the blocks the part covers
    /// are read and checked; otherwise, or if they do not match, the whole cluster is read and checked
    /// against its entry, and its block checksums are remembered.
    /// </summary>
    private void ReadPart(VolumeHandle h, ulong entry, long clusterStart, int inCluster, Span<byte> dest, byte[] scratch)
    {
        int block = ClusterSize / Space.VerifiedSums.Blocks;
        var sums = _verifiedSums.Find(entry);
        if (sums != null)
        {
            int firstBlock = inCluster / block, endBlock = (inCluster + dest.Length - 1) / block + 1;
            var covered = scratch.AsSpan(firstBlock * block, (endBlock - firstBlock) * block);
            ReadSlot(h, entry, clusterStart, firstBlock * block, covered);
            bool match = true;
            for (int b = firstBlock; b < endBlock && match; b++)
                match = Crc32C.RawBlock(scratch.AsSpan(b * block, block)) == sums[b];
            if (match)
            {
                scratch.AsSpan(inCluster, dest.Length).CopyTo(dest);
                return;
            }
        }
        var cluster = scratch.AsSpan(0, ClusterSize);
        var fresh = ReadVerifiedBlocks(h, entry, clusterStart, cluster);
        _verifiedSums.Remember(entry, fresh);
        cluster.Slice(inCluster, dest.Length).CopyTo(dest);
    }

    private void ReadSlot(VolumeHandle h, ulong entry, long clusterStart, int offsetInSlot, Span<byte> bytes)
    {
        uint slot = MapEntry.Slot(entry);
        try { _data.Read(slot, offsetInSlot, bytes); }
        catch (IOException e)
        {
            throw new RewindException(ErrorKind.IO, $"I/O error reading {h.Target.Describe} at offset {clusterStart + offsetInSlot} ({_data.Describe(slot)}): {e.Message}", e);
        }
    }

    /// <summary>Reads one whole cluster, checks it against its map entry and returns its blocks' checksums.</summary>
    private uint[] ReadVerifiedBlocks(VolumeHandle h, ulong entry, long clusterStart, Span<byte> cluster)
    {
        ReadSlot(h, entry, clusterStart, 0, cluster);
        var sums = Space.VerifiedSums.Of(cluster);
        CheckClusterCrc(h, entry, clusterStart, Crc32C.FromBlocks(sums, BlockSize));
        return sums;
    }

    /// <summary>The unit of <see cref="Space.VerifiedSums"/>: a sixteenth of a cluster.</summary>
    private int BlockSize => ClusterSize / Space.VerifiedSums.Blocks;

    /// <summary>Recomputes the checksums of the blocks that [start, start+length) of <paramref name="cluster"/> touches.</summary>
    private void RefreshBlockSums(uint[] sums, ReadOnlySpan<byte> cluster, int start, int length)
    {
        int block = BlockSize;
        for (int b = start / block; b <= (start + length - 1) / block; b++)
            sums[b] = Crc32C.RawBlock(cluster.Slice(b * block, block));
    }

    /// <summary>Reads one whole cluster and checks it against the CRC its map entry carries.</summary>
    private void ReadCluster(VolumeHandle h, ulong entry, long clusterStart, Span<byte> cluster)
    {
        ReadSlot(h, entry, clusterStart, 0, cluster);
        CheckClusterCrc(h, entry, clusterStart, Crc32C.Compute(cluster));
    }

    private void CheckClusterCrc(VolumeHandle h, ulong entry, long clusterStart, uint crc)
    {
        if (crc != MapEntry.Crc(entry))
            throw new ChecksumException(h.Target.Describe, clusterStart,
                $"cluster stored at {_data.Describe(MapEntry.Slot(entry))} has CRC-32C {crc:x8}, expected {MapEntry.Crc(entry):x8}");
    }

    private static void CheckNotReadOnly(VolumeHandle h)
    {
        if (h.IsReadOnly)
            throw new RewindException(ErrorKind.ReadOnly, $"{h.Target.Describe} is read-only; clone it to get a writable volume");
    }

    internal void Write(VolumeHandle h, long offset, ReadOnlySpan<byte> data, bool fua)
    {
        CheckNotReadOnly(h);
        if (data.Length == 0) { lock (_lock) CheckRange(h, offset, 0, h.Target.Size); return; }
        WriteClusters(h, offset, data.Length, data, zeros: false, checkSize: true);
        if (fua) Flush();
    }

    internal void Zero(VolumeHandle h, long offset, long length, bool fua)
    {
        CheckNotReadOnly(h);
        ZeroRange(h, offset, length, fua, checkSize: true);
    }

    /// <summary>Whole clusters become holes with one record; partial ends are zeroed by rewriting their cluster.</summary>
    private void ZeroRange(VolumeHandle h, long offset, long length, bool fua, bool checkSize)
    {
        if (checkSize) lock (_lock) { CheckHandle(h); CheckRange(h, offset, length, h.Target.Size); }
        if (length == 0) return;
        long end = offset + length;
        long firstWhole = (offset + ClusterSize - 1) >> ClusterShift;
        long endWhole = end >> ClusterShift;
        if (firstWhole >= endWhole)
        {
            WriteClusters(h, offset, length, default, zeros: true, checkSize);
        }
        else
        {
            long headEnd = firstWhole << ClusterShift, tailStart = endWhole << ClusterShift;
            if (headEnd > offset) WriteClusters(h, offset, headEnd - offset, default, zeros: true, checkSize);
            using (_stripes.Enter(h.Target.Id, firstWhole, endWhole - 1))
            {
                lock (_lock)
                {
                    CheckWritable();
                    CheckHandle(h);
                    var vol = (Volume)h.Target;
                    Record.EncodeCommon(_journalBuffer, RecordType.TrimMap, ++_lastSeq, vol.Id, firstWhole, endWhole - firstWhole);
                    ApplyTrim(vol, firstWhole, endWhole - firstWhole);
                }
            }
            if (tailStart < end) WriteClusters(h, tailStart, end - tailStart, default, zeros: true, checkSize);
        }
        if (fua) Flush();
        WakeBackground();
    }

    /// <summary>
    /// Writes [offset, offset+length) with <paramref name="data"/> (or zeros): builds each new cluster,
    /// stores it in a fresh slot, then installs all entries with one journal record, so the write is
    /// atomic across a crash however many clusters it spans.
    /// </summary>
    private void WriteClusters(VolumeHandle h, long offset, long length, ReadOnlySpan<byte> data, bool zeros, bool checkSize)
    {
        long first = offset >> ClusterShift;
        long last = (offset + length - 1) >> ClusterShift;
        int n = (int)(last - first + 1);
        var clusters = ArrayPool<long>.Shared.Rent(n);
        var entries = ArrayPool<ulong>.Shared.Rent(n);
        byte[]? scratch = null;
        int allocated = 0;
        bool installed = false;
        var held = n == 1 ? default : _stripes.Enter(h.Target.Id, first, last);
        object? single = n == 1 ? _stripes.Single(h.Target.Id, first) : null;
        if (single != null) Monitor.Enter(single);
        try
        {
            bool rewrite = false;
            ulong current = 0;
            lock (_lock)
            {
                CheckWritable();
                CheckHandle(h);
                if (checkSize) CheckRange(h, offset, length, h.Target.Size);
                if (n == 1 && h.Target is Volume v) rewrite = TryBeginRewrite(v, first, out current);
            }
            if (rewrite)
            {
                scratch = ArrayPool<byte>.Shared.Rent(ClusterSize);
                RewriteInPlace(h, first, offset, length, data, zeros, checkSize, current, scratch);
                return;
            }
            long done = 0;
            for (int i = 0; i < n; i++)
            {
                long c = first + i;
                long clusterStart = c << ClusterShift;
                int inCluster = (int)(offset + done - clusterStart);
                int take = (int)Math.Min(ClusterSize - inCluster, length - done);
                ReadOnlySpan<byte> content;
                uint[]? sums = null;
                if (take == ClusterSize && !zeros)
                {
                    content = data.Slice((int)done, take);
                }
                else
                {
                    scratch ??= ArrayPool<byte>.Shared.Rent(ClusterSize);
                    var buf = scratch.AsSpan(0, ClusterSize);
                    var window = buf.Slice(inCluster, take);
                    if (take == ClusterSize) buf.Clear();
                    else sums = ReadCurrent(h, c, buf);
                    if (zeros) window.Clear();
                    else data.Slice((int)done, take).CopyTo(window);
                    // The old cluster was just verified block by block, so only the changed blocks need
                    // new checksums; non-zero new bytes mean no hole.
                    if (sums != null && !zeros && window.IndexOfAnyExcept((byte)0) >= 0)
                        RefreshBlockSums(sums, buf, inCluster, take);
                    else sums = null;
                    content = buf;
                }
                clusters[i] = c;
                if (sums == null && content.IndexOfAnyExcept((byte)0) < 0)
                {
                    entries[i] = 0;
                }
                else
                {
                    sums ??= Space.VerifiedSums.Of(content);
                    uint slot;
                    lock (_lock) slot = _slots.Allocate();
                    entries[i] = MapEntry.Make(slot, Crc32C.FromBlocks(sums, BlockSize));
                    _verifiedSums.Remember(entries[i], sums); // later part reads and in-place rewrites need no whole read
                    allocated = i + 1;
                    try { _data.Write(slot, content); }
                    catch (IOException e) { throw Fail($"writing {_data.Describe(slot)}", e); }
                }
                done += take;
            }
            lock (_lock)
            {
                InstallWriteLocked(h, offset, length, checkSize, clusters.AsSpan(0, n), entries.AsSpan(0, n));
                NoteFresh(entries.AsSpan(0, n));
                installed = true;
            }
        }
        finally
        {
            if (!installed && allocated > 0)
                lock (_lock)
                    for (int i = 0; i < allocated; i++)
                        if (entries[i] != 0) _slots.Release(MapEntry.Slot(entries[i]));
            if (single != null) Monitor.Exit(single);
            else held.Dispose();
            if (scratch != null) ArrayPool<byte>.Shared.Return(scratch);
            ArrayPool<long>.Shared.Return(clusters);
            ArrayPool<ulong>.Shared.Return(entries);
            MaybeCommitInBackground();
        }
    }

    /// <summary>
    /// A write inside one cluster whose slot is fresh (see Pool.InPlace.cs): merges into the current
    /// content, writes only the changed bytes back into the same slot, and installs the new checksum
    /// with one record. The slot was pinned and marked rewriting by <see cref="TryBeginRewrite"/>.
    /// </summary>
    private void RewriteInPlace(VolumeHandle h, long cluster, long offset, long length, ReadOnlySpan<byte> data,
        bool zeros, bool checkSize, ulong current, byte[] scratch)
    {
        uint slot = MapEntry.Slot(current);
        bool ended = false;
        try
        {
            long clusterStart = cluster << ClusterShift;
            int inCluster = (int)(offset - clusterStart);
            ulong entry = 0;
            uint[]? sums = null, known;
            int block = BlockSize;
            if (!zeros && length == ClusterSize && data.IndexOfAnyExcept((byte)0) >= 0)
            {
                sums = Space.VerifiedSums.Of(data);
                entry = MapEntry.Make(slot, Crc32C.FromBlocks(sums, block));
                WriteInPlace(slot, 0, data);
            }
            else if (!zeros && inCluster % block == 0 && length % block == 0
                     && (known = _verifiedSums.Find(current)) != null && data.IndexOfAnyExcept((byte)0) >= 0)
            {
                // Whole blocks of a cluster whose block checksums are known: the new checksum follows
                // from theirs and the new bytes', with no read. Damage in the other blocks still fails
                // it, as their checksums are those of what was written there.
                sums = (uint[])known.Clone();
                uint crc = MapEntry.Crc(current);
                for (int b = inCluster / block, i = 0; i < length / block; b++, i++)
                {
                    uint fresh = Crc32C.RawBlock(data.Slice(i * block, block));
                    crc = Crc32C.ReplaceRaw(crc, sums[b], fresh, ClusterSize - (b + 1) * block);
                    sums[b] = fresh;
                }
                entry = MapEntry.Make(slot, crc);
                WriteInPlace(slot, inCluster, data);
            }
            else if (!zeros && data.IndexOfAnyExcept((byte)0) >= 0)
            {
                // The cluster stays non-zero, hence allocated: read and write only the changed bytes and
                // update the checksum from their difference. Damage elsewhere in the cluster still fails
                // the new checksum (the update is exact for the bytes that were there before), so it is
                // still reported on the next read, never hidden.
                var old = scratch.AsSpan(0, (int)length);
                ReadSlot(h, current, clusterStart, inCluster, old);
                entry = MapEntry.Make(slot, Crc32C.Replace(MapEntry.Crc(current), ClusterSize, inCluster, old, data));
                WriteInPlace(slot, inCluster, data);
            }
            else
            {
                var content = scratch.AsSpan(0, ClusterSize);
                ReadCluster(h, current, clusterStart, content);
                var changed = content.Slice(inCluster, (int)length);
                if (zeros) changed.Clear();
                else data.CopyTo(changed);
                if (content.IndexOfAnyExcept((byte)0) >= 0)
                {
                    sums = Space.VerifiedSums.Of(content);
                    entry = MapEntry.Make(slot, Crc32C.FromBlocks(sums, block));
                    WriteInPlace(slot, inCluster, changed);
                }
            }
            if (sums != null) _verifiedSums.Remember(entry, sums);
            lock (_lock)
            {
                // The old entry's reference moves to the new one (same slot); a hole holds nothing.
                InstallWriteLocked(h, offset, length, checkSize, new ReadOnlySpan<long>(in cluster), new ReadOnlySpan<ulong>(in entry));
                if (entry == 0) _slots.Release(slot);
                EndRewrite(slot);
                ended = true;
            }
        }
        finally
        {
            if (!ended)
                lock (_lock)
                {
                    _slots.Release(slot);
                    EndRewrite(slot);
                }
        }
    }

    /// <summary>Under <c>_lock</c>: journals and applies a write's new entries as one record.</summary>
    private void InstallWriteLocked(VolumeHandle h, long offset, long length, bool checkSize, ReadOnlySpan<long> clusters, ReadOnlySpan<ulong> entries)
    {
        CheckWritable();
        CheckHandle(h);
        var vol = (Volume)h.Target;
        if (checkSize && offset + length > vol.Size)
            throw new RewindException(ErrorKind.OutOfRange, $"{vol.Describe} shrank to {vol.Size} bytes during a write at offset {offset}");
        Record.EncodeWriteMap(_journalBuffer, ++_lastSeq, vol.Id, clusters, entries);
        ApplyWriteMap(vol, clusters, entries);
    }

    private void WriteInPlace(uint slot, int offsetInSlot, ReadOnlySpan<byte> bytes)
    {
        try { _data.Write(slot, offsetInSlot, bytes); }
        catch (IOException e) { throw Fail($"writing {_data.Describe(slot)}", e); }
    }

    /// <summary>
    /// The current content of one cluster of the handle's volume, for a partial-cluster merge; returns
    /// its verified block checksums, or null for a hole.
    /// </summary>
    private uint[]? ReadCurrent(VolumeHandle h, long cluster, Span<byte> buf)
    {
        ulong e;
        lock (_lock)
        {
            e = BlockMap.Lookup(h.Target.Root, cluster);
            if (e != 0) _slots.AddRef(MapEntry.Slot(e));
        }
        if (e == 0) { buf.Clear(); return null; }
        try { return ReadVerifiedBlocks(h, e, cluster << ClusterShift, buf); }
        finally { lock (_lock) _slots.Release(MapEntry.Slot(e)); }
    }

    internal IReadOnlyList<Extent> GetExtents(VolumeHandle h, long offset, long length)
    {
        lock (_lock)
        {
            CheckHandle(h);
            CheckRange(h, offset, length, h.Target.Size);
            var result = new List<Extent>();
            if (length == 0) return result;
            long end = offset + length;
            long pos = offset;
            BlockMap.Allocated(h.Target.Root, offset >> ClusterShift, ((end - 1) >> ClusterShift) + 1, (c, count) =>
            {
                long s = Math.Max(offset, c << ClusterShift), e = Math.Min(end, (c + count) << ClusterShift);
                if (s > pos) result.Add(new Extent(pos, s - pos, true));
                result.Add(new Extent(s, e - s, false));
                pos = e;
            });
            if (pos < end) result.Add(new Extent(pos, end - pos, true));
            return result;
        }
    }

    internal IReadOnlyList<ByteRange> ChangedSince(VolumeHandle h, string snapshot, long offset, long length)
    {
        lock (_lock)
        {
            CheckHandle(h);
            CheckRange(h, offset, length, h.Target.Size);
            var vol = h.Target as Volume ?? ((Snapshot)h.Target).Volume;
            var snap = FindSnapshot(vol.Name, snapshot);
            return DiffVersions(snap, h.Target, offset, offset + length);
        }
    }

    private List<ByteRange> DiffVersions(Version a, Version b, long from, long to)
    {
        var ranges = new List<ByteRange>();
        long limit = Math.Min(to, Math.Max(a.Size, b.Size));
        BlockMap.Diff(a.Root, b.Root, (c, count) =>
        {
            long s = Math.Max(from, c << ClusterShift), e = Math.Min(limit, (c + count) << ClusterShift);
            if (e > s) ranges.Add(new ByteRange(s, e - s));
        });
        return ranges;
    }
}
