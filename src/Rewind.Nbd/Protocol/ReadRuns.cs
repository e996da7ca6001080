namespace Rewind.Nbd.Protocol;

/// <summary>One piece of a structured read reply: data to send, or a run that reads as zeros.</summary>
internal readonly record struct ReadRun(int Start, int Length, bool IsHole);

/// <summary>
/// Splits the data of a read into data runs and zero runs, so a structured reply can send
/// NBD_REPLY_TYPE_OFFSET_HOLE chunks instead of zeros. It looks at the bytes themselves, not at how they
/// are stored, so a hole chunk always means exactly "these bytes are zero" whatever happened to the
/// volume meanwhile. Runs break at multiples of <see cref="Granularity"/> of the export offset: a hole
/// costs a chunk header, so shorter zero stretches inside data stay data.
/// </summary>
internal static class ReadRuns
{
    public const int Granularity = 4096;

    /// <summary>The runs of <paramref name="data"/> read at <paramref name="offset"/>, or null when it holds no zero granule (send it as one chunk).</summary>
    public static List<ReadRun>? Split(ReadOnlySpan<byte> data, ulong offset)
    {
        if (data.IsEmpty) return null;
        if (data.IndexOfAnyExcept((byte)0) < 0) return [new ReadRun(0, data.Length, true)];
        List<ReadRun>? runs = null;
        int pos = 0;
        int runStart = 0;
        bool runHole = false;
        while (pos < data.Length)
        {
            int inGranule = (int)((offset + (ulong)pos) % Granularity);
            int take = Math.Min(Granularity - inGranule, data.Length - pos);
            bool hole = data.Slice(pos, take).IndexOfAnyExcept((byte)0) < 0;
            if (pos == 0) runHole = hole;
            else if (hole != runHole)
            {
                (runs ??= []).Add(new ReadRun(runStart, pos - runStart, runHole));
                runStart = pos;
                runHole = hole;
            }
            pos += take;
        }
        if (runs == null) return null; // one data run: the fast path's single chunk
        runs.Add(new ReadRun(runStart, data.Length - runStart, runHole));
        return runs;
    }
}
