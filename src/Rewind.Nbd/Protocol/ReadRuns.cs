using Rewind.Engine;

namespace Rewind.Nbd.Protocol;

/// <summary>
/// How a structured read reply is cut into data and hole chunks (NBD_REPLY_TYPE_OFFSET_HOLE). It looks
/// at the bytes read, not at how they are stored, so a hole chunk always means exactly "these bytes are
/// zero" whatever happened to the volume meanwhile. Runs break at multiples of <see cref="Granularity"/>
/// of the export offset: a hole costs a chunk header, so shorter zero stretches inside data stay data.
/// </summary>
internal static class ReadRuns
{
    public const int Granularity = 4096;

    /// <summary>The runs of <paramref name="data"/> read at <paramref name="offset"/>, or null when it is all data (send it as one chunk).</summary>
    public static List<ZeroRun>? Split(ReadOnlySpan<byte> data, ulong offset)
    {
        var runs = ZeroRuns.Of(data, (long)offset, Granularity);
        if (!runs.MoveNext() || (!runs.Current.IsZero && runs.Current.Length == data.Length)) return null;
        var list = new List<ZeroRun> { runs.Current };
        while (runs.MoveNext()) list.Add(runs.Current);
        return list;
    }
}
