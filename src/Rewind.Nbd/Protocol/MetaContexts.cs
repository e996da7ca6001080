namespace Rewind.Nbd.Protocol;

internal enum MetaContextKind
{
    /// <summary>base:allocation: HOLE|ZERO for unallocated runs, 0 for data.</summary>
    Allocation,
    /// <summary>rewind:changed:SNAP: flag bit 0 set for ranges that may differ from snapshot SNAP.</summary>
    ChangedSince,
}

/// <summary>A metadata context selected with NBD_OPT_SET_META_CONTEXT, with the id used on the wire.</summary>
internal sealed record MetaContext(uint Id, string Name, MetaContextKind Kind, string? Snapshot);

/// <summary>
/// The metadata contexts this server knows and its query syntax:
///   base:allocation         the standard allocation context
///   rewind:changed:SNAP     changed-block tracking against snapshot SNAP of the export's volume
/// For listing, "base:", "rewind:" and "rewind:changed:" are wildcards; unknown namespaces are ignored.
/// </summary>
internal static class MetaContexts
{
    public const string Allocation = "base:allocation";
    public const string ChangedPrefix = "rewind:changed:";

    public const uint StateHole = 1;
    public const uint StateZero = 2;
    public const uint StateChanged = 1;

    /// <summary>Every context available on an export whose volume has these snapshots.</summary>
    public static IEnumerable<string> All(IReadOnlyList<string> snapshots) =>
        new[] { Allocation }.Concat(snapshots.Select(s => ChangedPrefix + s));

    /// <summary>
    /// Context names a query selects (listing allows wildcards). Null when the query is malformed
    /// (no namespace), which the caller answers with NBD_REP_ERR_INVALID.
    /// </summary>
    public static IEnumerable<string>? Match(string query, bool listing, IReadOnlyList<string> snapshots)
    {
        int colon = query.IndexOf(':');
        if (colon <= 0) return null;
        string ns = query[..colon], leaf = query[(colon + 1)..];
        switch (ns)
        {
            case "base":
                if (leaf == "allocation" || (listing && leaf.Length == 0)) return [Allocation];
                return [];
            case "rewind":
                if (leaf.Length == 0 || leaf == "changed:" || leaf == "changed")
                    return listing ? snapshots.Select(s => ChangedPrefix + s) : [];
                if (leaf.StartsWith("changed:", StringComparison.Ordinal))
                {
                    string snap = leaf["changed:".Length..];
                    return snapshots.Contains(snap) ? [ChangedPrefix + snap] : [];
                }
                return [];
            default:
                return []; // unknown namespaces MUST be ignored
        }
    }

    public static MetaContext Create(uint id, string name) =>
        name == Allocation
            ? new MetaContext(id, name, MetaContextKind.Allocation, null)
            : new MetaContext(id, name, MetaContextKind.ChangedSince, name[ChangedPrefix.Length..]);
}
