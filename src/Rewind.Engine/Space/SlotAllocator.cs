using System.Numerics;
using Rewind.Engine.Map;

namespace Rewind.Engine.Space;

/// <summary>
/// Data slots (one cluster each) and their reference counts: holders are leaf nodes and in-flight reads.
///
/// A slot whose count reaches zero is not reusable at once: the record that dropped it may not be on
/// disk yet, and after a crash the journal would map the slot again. Such slots wait in the pending
/// list until the next commit is durable (<see cref="TakePending"/> / <see cref="MakeReusable"/>);
/// only then are they handed out again. Free slots that stay free are punched out of the
/// data file by <see cref="TakeForPunch"/> passes, so space goes back to the filesystem. The caller holds the pool lock.
/// </summary>
internal sealed class SlotAllocator : ISlotRefs
{
    private int[] _refs = new int[1024];
    private ulong[] _reusable = new ulong[16];
    // Free slots whose blocks were given back to the filesystem, and free slots a punch pass has seen
    // idle once: a slot is punched only when it is still free on the next pass, so the churn of
    // overwrites (a slot freed and handed out again a moment later) never pays a punch and a re-allocation.
    private ulong[] _punched = new ulong[16];
    private ulong[] _idleSeen = new ulong[16];
    private uint _highWater;
    private uint _searchFrom;
    private List<uint> _pending = new();
    private long _used;
    /// <summary>When false (journal replay), counts are not kept; <see cref="Rebuild"/> recomputes them.</summary>
    public bool Tracking = true;

    /// <summary>Slots below this have been handed out at least once; the data files extend to it.</summary>
    public uint HighWater => _highWater;
    public long UsedSlots => _used;
    public long PendingSlots => _pending.Count;

    public int RefCount(uint slot) => slot < _highWater ? _refs[slot] : 0;

    public bool IsReusable(uint slot) => slot < _highWater && (_reusable[slot >> 6] & (1UL << (int)(slot & 63))) != 0;

    /// <summary>A slot with one reference (the caller's), lowest free first so files stay compact.</summary>
    public uint Allocate()
    {
        uint slot = FindReusable();
        if (slot == uint.MaxValue)
        {
            if (_highWater >= MapEntry.MaxSlot)
                throw new RewindException(ErrorKind.NoSpace, "the pool has used every data slot it can address; delete snapshots or volumes");
            slot = _highWater++;
            Grow(slot);
        }
        else
        {
            _reusable[slot >> 6] &= ~(1UL << (int)(slot & 63));
        }
        Clear(_punched, slot);
        Clear(_idleSeen, slot);
        _refs[slot] = 1;
        _used++;
        return slot;
    }

    private uint FindReusable()
    {
        int words = (int)((_highWater + 63) >> 6);
        for (int w = (int)(_searchFrom >> 6); w < words; w++)
        {
            ulong bits = _reusable[w];
            if (bits == 0) continue;
            uint slot = (uint)(w * 64 + BitOperations.TrailingZeroCount(bits));
            if (slot >= _highWater) break;
            _searchFrom = slot;
            return slot;
        }
        _searchFrom = _highWater;
        return uint.MaxValue;
    }

    private void Grow(uint slot)
    {
        if (slot >= _refs.Length)
        {
            long size = Math.Max(_refs.Length * 2L, slot + 1L);
            Array.Resize(ref _refs, (int)Math.Min(size, int.MaxValue));
        }
        int words = (int)((slot >> 6) + 1);
        if (words > _reusable.Length) Array.Resize(ref _reusable, Math.Max(words, _reusable.Length * 2));
        if (words > _punched.Length) Array.Resize(ref _punched, _reusable.Length);
        if (words > _idleSeen.Length) Array.Resize(ref _idleSeen, _reusable.Length);
    }

    private static void Clear(ulong[] bits, uint slot)
    {
        if ((slot >> 6) < bits.Length) bits[slot >> 6] &= ~(1UL << (int)(slot & 63));
    }

    private static void Set(ulong[] bits, uint slot) => bits[slot >> 6] |= 1UL << (int)(slot & 63);

    private static bool Get(ulong[] bits, uint slot) => (slot >> 6) < bits.Length && (bits[slot >> 6] & (1UL << (int)(slot & 63))) != 0;

    /// <summary>
    /// Takes free slots whose blocks should go back to the filesystem: those a previous pass already saw
    /// free and unpunched (all of them when <paramref name="now"/>). They stop being reusable until
    /// <see cref="FinishPunch"/>, so a punch can never hit a slot that was handed out meanwhile.
    /// </summary>
    public List<uint> TakeForPunch(bool now)
    {
        var taken = new List<uint>();
        int words = (int)((_highWater + 63) >> 6);
        for (int w = 0; w < words; w++)
        {
            ulong candidates = _reusable[w] & ~_punched[w];
            if (candidates == 0) continue;
            ulong ready = now ? candidates : candidates & _idleSeen[w];
            _idleSeen[w] |= candidates;
            _reusable[w] &= ~ready;
            while (ready != 0)
            {
                int bit = BitOperations.TrailingZeroCount(ready);
                ready &= ready - 1;
                taken.Add((uint)(w * 64 + bit));
            }
        }
        return taken;
    }

    /// <summary>The punched slots are reusable again (and known to hold no blocks).</summary>
    public void FinishPunch(List<uint> slots)
    {
        foreach (var s in slots)
        {
            if (s >= _highWater) continue;
            Set(_punched, s);
            Set(_reusable, s);
            if (s < _searchFrom) _searchFrom = s;
        }
    }

    public void AddRef(uint slot)
    {
        if (!Tracking) return;
        _refs[slot]++;
    }

    public void Release(uint slot)
    {
        if (!Tracking) return;
        int r = --_refs[slot];
        if (r == 0) { _pending.Add(slot); _used--; }
        else if (r < 0) throw new InvalidOperationException($"data slot {slot} released more often than held");
    }

    /// <summary>Slots freed so far; they become reusable after the commit that starts now is durable.</summary>
    public List<uint> TakePending()
    {
        var taken = _pending;
        _pending = new List<uint>();
        return taken;
    }

    /// <summary>Marks slots reusable; returns the slot count the data files may shrink to.</summary>
    public uint MakeReusable(List<uint> slots)
    {
        foreach (var s in slots)
        {
            if (_refs[s] != 0) continue; // re-referenced meanwhile (cannot happen today, but never free a held slot)
            _reusable[s >> 6] |= 1UL << (int)(s & 63);
            if (s < _searchFrom) _searchFrom = s;
        }
        return ShrinkHighWater();
    }

    /// <summary>Drops free slots off the top; returns the slot count the data files may shrink to.</summary>
    public uint ShrinkHighWater()
    {
        while (_highWater > 0 && IsReusable(_highWater - 1))
        {
            uint top = _highWater - 1;
            _reusable[top >> 6] &= ~(1UL << (int)(top & 63));
            _highWater--;
        }
        if (_searchFrom > _highWater) _searchFrom = _highWater;
        return _highWater;
    }

    /// <summary>
    /// After loading a checkpoint and replaying the journal: counts come from the maps themselves, every
    /// other slot below the highest referenced one is reusable (whatever an unfinished write left there).
    /// Returns the runs of free slots so the caller can punch them.
    /// </summary>
    public List<(uint First, uint Count)> Rebuild(IEnumerable<MapNode> distinctLeaves)
    {
        _refs = new int[Math.Max(1024, _refs.Length)];
        uint high = 0;
        long used = 0;
        foreach (var leaf in distinctLeaves)
        {
            foreach (var e in leaf.Entries!)
            {
                if (e == 0) continue;
                uint s = MapEntry.Slot(e);
                Grow(s);
                if (_refs[s]++ == 0) used++;
                if (s + 1 > high) high = s + 1;
            }
        }
        _highWater = high;
        _used = used;
        _reusable = new ulong[Math.Max(16, (int)((high >> 6) + 1))];
        _punched = new ulong[_reusable.Length];
        _idleSeen = new ulong[_reusable.Length];
        _pending.Clear();
        var free = new List<(uint, uint)>();
        uint runStart = uint.MaxValue;
        for (uint s = 0; s < high; s++)
        {
            if (_refs[s] == 0)
            {
                _reusable[s >> 6] |= 1UL << (int)(s & 63);
                _punched[s >> 6] |= 1UL << (int)(s & 63); // the caller punches every run returned here
                if (runStart == uint.MaxValue) runStart = s;
            }
            else if (runStart != uint.MaxValue) { free.Add((runStart, s - runStart)); runStart = uint.MaxValue; }
        }
        if (runStart != uint.MaxValue) free.Add((runStart, high - runStart));
        _searchFrom = 0;
        Tracking = true;
        return free;
    }

    public long MemoryBytes => _refs.Length * 4L + _reusable.Length * 24L;
}
