using System.Diagnostics;
using Rewind.Engine.Storage;

namespace Rewind.Bench;

/// <summary>
/// The disk's own durability cost at this moment: a 4 KiB append plus fdatasync on a scratch file next
/// to the pool (what a journal commit does, without the engine). Timed interleaved with the engine's
/// operations, so a noisy shared disk shows up in both columns instead of looking like an engine cost.
/// </summary>
internal sealed class SyncProbe : IDisposable
{
    private readonly string _path;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;
    private readonly byte[] _block = new byte[4096];
    private long _length;

    public SyncProbe(string directory)
    {
        _path = Path.Combine(Path.GetFullPath(directory), $"rewind-bench-sync-probe-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        _handle = File.OpenHandle(_path, FileMode.CreateNew, FileAccess.ReadWrite);
        Random.Shared.NextBytes(_block);
    }

    public double MeasureMs()
    {
        long t0 = Stopwatch.GetTimestamp();
        RandomAccess.Write(_handle, _block, _length);
        Native.DataSync(_handle, _path);
        _length += _block.Length;
        return Stats.TicksToMs(Stopwatch.GetTimestamp() - t0);
    }

    /// <summary>
    /// Waits (up to <paramref name="max"/>) until the disk has caught up with a big write: rounds of 20
    /// probes, one round a second, until a round's median stops improving on the one before.
    /// Returns the final median in ms.
    /// </summary>
    public double Settle(TimeSpan max)
    {
        var sw = Stopwatch.StartNew();
        double previous = double.MaxValue;
        while (true)
        {
            var round = Enumerable.Range(0, 20).Select(_ => MeasureMs()).ToList();
            double median = Stats.Median(round);
            if (median >= previous * 0.9 || sw.Elapsed >= max) return median;
            previous = median;
            Thread.Sleep(1000);
        }
    }

    public void Dispose()
    {
        _handle.Dispose();
        File.Delete(_path);
    }
}
