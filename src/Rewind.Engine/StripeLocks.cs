namespace Rewind.Engine;

/// <summary>
/// Serialises writers per cluster (a partial-cluster write reads, merges and rewrites its cluster, and two
/// of those must not interleave) without one lock per volume: clusters hash onto a fixed set of
/// monitors, always taken in ascending order so writers never deadlock.
/// </summary>
internal sealed class StripeLocks
{
    private const int Count = 1024;
    private readonly object[] _stripes = Enumerable.Range(0, Count).Select(_ => new object()).ToArray();

    private static int StripeOf(long volumeId, long cluster) => (int)((ulong)(cluster + volumeId * 7919) % Count);

    /// <summary>Locks the stripes of clusters [first, last] of a volume; dispose the result to unlock.</summary>
    public Held Enter(long volumeId, long first, long last)
    {
        int[] taken;
        if (last - first + 1 >= Count)
        {
            taken = Enumerable.Range(0, Count).ToArray();
        }
        else
        {
            var set = new SortedSet<int>();
            for (long c = first; c <= last; c++) set.Add(StripeOf(volumeId, c));
            taken = set.ToArray();
        }
        foreach (int s in taken) Monitor.Enter(_stripes[s]);
        return new Held(this, taken);
    }

    /// <summary>One stripe, the common case of a write inside one cluster, without allocating.</summary>
    public object Single(long volumeId, long cluster) => _stripes[StripeOf(volumeId, cluster)];

    public readonly struct Held(StripeLocks owner, int[] taken) : IDisposable
    {
        public void Dispose()
        {
            for (int i = taken.Length - 1; i >= 0; i--) Monitor.Exit(owner._stripes[taken[i]]);
        }
    }
}
