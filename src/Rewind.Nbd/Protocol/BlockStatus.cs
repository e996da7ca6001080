using Rewind.Engine;
using Rewind.Nbd.Exports;

namespace Rewind.Nbd.Protocol;

/// <summary>One block-status descriptor: a run length and its context-defined flags.</summary>
internal readonly record struct StatusRun(long Length, uint Flags);

/// <summary>Turns an export's extents and change lists into block-status descriptors for each context.</summary>
internal static class BlockStatus
{
    public static List<StatusRun> Describe(IExport export, MetaContext context, long offset, long length, bool one)
    {
        var runs = new List<StatusRun>();
        if (context.Kind == MetaContextKind.Allocation)
        {
            foreach (var e in export.GetExtents(offset, length))
            {
                Append(runs, e.Length, e.IsHole ? MetaContexts.StateHole | MetaContexts.StateZero : 0);
                if (one) break;
            }
        }
        else
        {
            var changed = export.GetChangedSince(context.Snapshot!, offset, length).OrderBy(r => r.Offset);
            long pos = offset, end = offset + length;
            foreach (var r in changed)
            {
                long s = Math.Max(r.Offset, pos), e = Math.Min(r.End, end);
                if (e <= s) continue;
                if (s > pos) Append(runs, s - pos, 0);
                Append(runs, e - s, MetaContexts.StateChanged);
                pos = e;
            }
            if (pos < end) Append(runs, end - pos, 0);
        }
        if (runs.Count == 0) runs.Add(new StatusRun(length, 0)); // "status unknown" is always safe
        int keep = one ? 1 : Limits.MaxBlockStatusDescriptors;
        if (runs.Count > keep) runs.RemoveRange(keep, runs.Count - keep);
        return runs;
    }

    /// <summary>Appends a run, merging it into the previous one when the flags are equal.</summary>
    private static void Append(List<StatusRun> runs, long length, uint flags)
    {
        if (length <= 0) return;
        if (runs.Count > 0 && runs[^1].Flags == flags)
            runs[^1] = new StatusRun(runs[^1].Length + length, flags);
        else
            runs.Add(new StatusRun(length, flags));
    }
}
