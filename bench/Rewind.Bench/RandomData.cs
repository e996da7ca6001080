using Rewind.Engine;

namespace Rewind.Bench;

/// <summary>
/// Incompressible, non-zero test data: one random buffer, written from varying offsets so no two
/// writes repeat each other exactly (the engine turns all-zero clusters into holes, so zeros would
/// measure nothing).
/// </summary>
internal sealed class RandomData
{
    private readonly byte[] _bytes;
    private readonly Random _random;

    public RandomData(int seed, int bytes = 16 << 20)
    {
        _random = new Random(seed);
        _bytes = new byte[bytes];
        _random.NextBytes(_bytes);
        for (int i = 0; i < _bytes.Length; i += 4096) _bytes[i] |= 1; // never an all-zero block
    }

    /// <summary>A window of <paramref name="length"/> bytes at a random 4 KiB-aligned place.</summary>
    public ReadOnlySpan<byte> Next(int length)
    {
        int blocks = (_bytes.Length - length) / 4096;
        int start = _random.Next(0, blocks + 1) * 4096;
        return _bytes.AsSpan(start, length);
    }

    /// <summary>
    /// Writes [from, to) of a volume with 4 MiB writes of random data and flushes; returns the MiB/s
    /// of the whole pass including that final flush.
    /// </summary>
    public double Fill(VolumeHandle handle, long from, long to, BenchContext ctx, string what)
    {
        const int Chunk = 4 << 20;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        long nextReport = from + Stats.GiB;
        for (long pos = from; pos < to; pos += Chunk)
        {
            int n = (int)Math.Min(Chunk, to - pos);
            handle.Write(pos, Next(n));
            if (pos + n >= nextReport)
            {
                ctx.Progress($"{what}: {Stats.Size(pos + n)} written ({(pos + n - from) / (double)Stats.MiB / sw.Elapsed.TotalSeconds:F0} MiB/s)");
                nextReport += Stats.GiB;
            }
        }
        handle.Flush();
        return (to - from) / (double)Stats.MiB / sw.Elapsed.TotalSeconds;
    }
}
