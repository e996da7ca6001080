using Rewind.Engine.Map;

namespace Rewind.Engine;

/// <summary>
/// Rewriting a slot in place instead of redirecting the write to a fresh slot, when that cannot break
/// any guarantee. A slot may be rewritten in place only while it is "fresh":
///
/// - it was installed by a write after the last capture (a capture is anything that can make a map
///   entry outlive the current journal buffer or share it: a commit taking the buffer, a checkpoint or
///   scrub pinning roots, a snapshot). So no durable record, checkpoint or snapshot names it, and a
///   crash in the middle of the rewrite leaves a slot recovery frees, never a checksum error on
///   acknowledged data;
/// - every map node on its path has one holder (the live volume) and the slot one reference (that
///   leaf): no other version and no reader holds it.
///
/// While a rewrite runs the slot is in <see cref="_rewriting"/>: readers wait rather than pin it, and
/// every capture first waits for the set to empty (<see cref="SealInPlace"/>), so nothing ever sees a
/// half-rewritten slot together with its old checksum. Only single-cluster writes rewrite in place
/// (the stripe lock of that cluster is held throughout, so no other writer touches it).
/// All of this is guarded by <c>_lock</c>.
/// </summary>
public sealed partial class Pool
{
    /// <summary>Slots installed by writes since the last capture.</summary>
    private readonly HashSet<uint> _fresh = new();
    /// <summary>Slots being rewritten in place right now.</summary>
    private readonly HashSet<uint> _rewriting = new();

    /// <summary>
    /// A capture: waits until no slot is being rewritten, then ends every slot's freshness. Under
    /// <c>_lock</c>, as the first thing its caller does (the wait releases the lock).
    /// </summary>
    private void SealInPlace()
    {
        if (_rewriting.Count > 0)
        {
            _rewritesHeldOff++; // else new rewrites could start whenever the wait lets go of the lock, and starve us
            try { while (_rewriting.Count > 0) Monitor.Wait(_lock); }
            finally { _rewritesHeldOff--; }
        }
        _fresh.Clear();
    }

    /// <summary>While positive, writes redirect instead of rewriting in place: a capture is waiting for the rewrites to end.</summary>
    private int _rewritesHeldOff;

    /// <summary>
    /// Lets the running rewrites finish and starts no new ones until <see cref="AllowRewrites"/>, so a
    /// capture that comes next finds none and holds <c>_lock</c> only for itself.
    /// </summary>
    private void HoldOffRewrites()
    {
        lock (_lock)
        {
            _rewritesHeldOff++;
            while (_rewriting.Count > 0) Monitor.Wait(_lock);
        }
    }

    private void AllowRewrites()
    {
        lock (_lock) _rewritesHeldOff--;
    }

    /// <summary>Remembers the slots a redirected write just installed (under <c>_lock</c>).</summary>
    private void NoteFresh(ReadOnlySpan<ulong> entries)
    {
        foreach (var e in entries)
            if (e != 0) _fresh.Add(MapEntry.Slot(e));
    }

    /// <summary>
    /// Under <c>_lock</c>, with the cluster's stripe held: if the cluster's slot may be rewritten in
    /// place, pins it (that reference becomes the new entry's), marks it rewriting and returns its entry.
    /// </summary>
    private bool TryBeginRewrite(Volume vol, long cluster, out ulong entry)
    {
        entry = 0;
        if (_rewritesHeldOff > 0) return false;
        entry = BlockMap.LookupExclusive(vol.Root, cluster);
        if (entry == 0) return false;
        uint slot = MapEntry.Slot(entry);
        if (_slots.RefCount(slot) != 1 || !_fresh.Contains(slot)) return false;
        _slots.AddRef(slot);
        _rewriting.Add(slot);
        return true;
    }

    /// <summary>Under <c>_lock</c>: the rewrite of the slot is over (installed or abandoned).</summary>
    private void EndRewrite(uint slot)
    {
        _rewriting.Remove(slot);
        Monitor.PulseAll(_lock);
    }

    /// <summary>Under <c>_lock</c>: true if any of the entries' slots is being rewritten (a reader must wait).</summary>
    private bool AnyRewriting(ulong[] entries, int n)
    {
        if (_rewriting.Count == 0) return false;
        for (int i = 0; i < n; i++)
            if (entries[i] != 0 && _rewriting.Contains(MapEntry.Slot(entries[i]))) return true;
        return false;
    }
}
