namespace Rewind.Cli.Commands;

/// <summary>
/// Splits a buffer into runs of data and runs of all-zero clusters, so import and export write only
/// data and leave zeros as holes. The buffer starts on a cluster boundary; the last cluster may be short.
/// </summary>
public static class ZeroRuns
{
    /// <summary>Calls <paramref name="onRun"/>(start, length, isZero) for each maximal run, in order.</summary>
    public static void Split(ReadOnlySpan<byte> buffer, int clusterSize, RunHandler onRun)
    {
        int runStart = 0;
        bool runIsZero = false;
        for (int at = 0; at < buffer.Length; at += clusterSize)
        {
            int length = Math.Min(clusterSize, buffer.Length - at);
            bool isZero = !buffer.Slice(at, length).ContainsAnyExcept((byte)0);
            if (at == 0) runIsZero = isZero;
            else if (isZero != runIsZero)
            {
                onRun(runStart, at - runStart, runIsZero);
                runStart = at;
                runIsZero = isZero;
            }
        }
        if (buffer.Length > 0) onRun(runStart, buffer.Length - runStart, runIsZero);
    }

    public delegate void RunHandler(int start, int length, bool isZero);
}
