using System.Diagnostics;
using Rewind.Engine;

namespace Rewind.Bench;

/// <summary>One I/O pattern: block size, threads, read or write, random or sequential, flush policy.</summary>
internal sealed record IoCase(string Name, int BlockSize, int Threads, bool Write, bool Sequential, int FlushEvery)
{
    public string FlushPolicy => !Write ? "-" : FlushEvery == 0 ? "final Flush only (timed)" : $"Flush every {FlushEvery} writes/thread + final";
}

/// <summary>What one timed trial did.</summary>
internal readonly record struct IoTrial(long Ops, long ElapsedTicks, long Bytes)
{
    public double Iops => Ops / Seconds;
    public double MiBps => Bytes / (double)Stats.MiB / Seconds;
    private double Seconds => ElapsedTicks / (double)Stopwatch.Frequency;
}

/// <summary>
/// Runs an <see cref="IoCase"/> for a fixed time on N threads, each with its own handle, then (for
/// writes) one Flush inside the timing, so acknowledged-but-unsynced data is paid for. Per-operation
/// latencies go to preallocated arrays: nothing is allocated inside the timed loop.
/// </summary>
internal sealed class IoWorkload
{
    private const int MaxLatencySamples = 1 << 21;
    private readonly IoCase _case;
    private readonly VolumeHandle[] _handles;
    private readonly long _volumeSize;
    private readonly byte[][] _buffers;
    private readonly RandomData[] _data;
    private readonly Random[] _random;
    private readonly long[] _position;
    private readonly long[][] _latencies;
    private readonly int[] _latencyCount;
    private readonly long[] _ops;

    public IoWorkload(IoCase c, VolumeHandle[] handles, long volumeSize, int seed)
    {
        _case = c;
        _handles = handles;
        _volumeSize = volumeSize;
        int n = c.Threads;
        _buffers = Enumerable.Range(0, n).Select(_ => new byte[c.BlockSize]).ToArray();
        _data = Enumerable.Range(0, n).Select(i => new RandomData(seed * 31 + i, 8 << 20)).ToArray();
        _random = Enumerable.Range(0, n).Select(i => new Random(seed * 17 + i)).ToArray();
        _position = Enumerable.Range(0, n).Select(i => volumeSize / n * i / c.BlockSize * c.BlockSize).ToArray();
        _latencies = Enumerable.Range(0, n).Select(_ => new long[MaxLatencySamples]).ToArray();
        _latencyCount = new int[n];
        _ops = new long[n];
    }

    /// <summary>Latencies (Stopwatch ticks) of every operation of every trial so far, across threads.</summary>
    public long[] Latencies() => _latencies.SelectMany((l, i) => l.Take(_latencyCount[i])).ToArray();

    public void ForgetLatencies() => Array.Clear(_latencyCount);

    public IoTrial Run(TimeSpan duration)
    {
        int n = _case.Threads;
        Array.Clear(_ops);
        using var start = new Barrier(n + 1);
        long deadline = 0;
        var threads = Enumerable.Range(0, n).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            Worker(i, Volatile.Read(ref deadline));
        }) { Name = $"bench-io-{i}" }).ToArray();
        foreach (var t in threads) t.Start();
        long begin = Stopwatch.GetTimestamp();
        Volatile.Write(ref deadline, begin + (long)(duration.TotalSeconds * Stopwatch.Frequency));
        start.SignalAndWait();
        foreach (var t in threads) t.Join();
        if (_case.Write) _handles[0].Flush();
        long elapsed = Stopwatch.GetTimestamp() - begin;
        long ops = _ops.Sum();
        return new IoTrial(ops, elapsed, ops * _case.BlockSize);
    }

    private void Worker(int i, long deadline)
    {
        var handle = _handles[i];
        var buffer = _buffers[i];
        var random = _random[i];
        var data = _data[i];
        var latencies = _latencies[i];
        int bs = _case.BlockSize;
        long blocks = _volumeSize / bs;
        long ops = 0;
        long now = Stopwatch.GetTimestamp();
        while (now < deadline)
        {
            long offset;
            if (_case.Sequential)
            {
                offset = _position[i];
                _position[i] = offset + bs >= _volumeSize ? 0 : offset + bs;
            }
            else offset = random.NextInt64(blocks) * bs;

            if (_case.Write)
            {
                handle.Write(offset, data.Next(bs));
                if (_case.FlushEvery > 0 && (ops + 1) % _case.FlushEvery == 0) handle.Flush();
            }
            else handle.Read(offset, buffer);

            long after = Stopwatch.GetTimestamp();
            int k = _latencyCount[i];
            if (k < latencies.Length) { latencies[k] = after - now; _latencyCount[i] = k + 1; }
            now = after;
            ops++;
        }
        _ops[i] = ops;
    }
}
