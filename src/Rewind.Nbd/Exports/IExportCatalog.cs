using Rewind.Engine;

namespace Rewind.Nbd.Exports;

/// <summary>
/// The seam between the NBD protocol and storage: what can be served and how to open it. The protocol
/// layer asks at connect time, so exports created, renamed or deleted while the server runs are seen
/// at once. Implementations are thread-safe.
/// </summary>
public interface IExportCatalog
{
    /// <summary>Every export a client may name, for NBD_OPT_LIST.</summary>
    IReadOnlyList<ExportListing> ListExports();

    /// <summary>Opens an export by name, or returns null when there is no such export.</summary>
    IExport? TryOpen(string name);
}

/// <summary>One line of an export listing.</summary>
public sealed record ExportListing(string Name, string Description);

/// <summary>
/// An open export: a block device the protocol reads and writes. Errors are thrown as
/// <see cref="RewindException"/>; <see cref="ErrorKind.Stale"/> means the export changed identity under
/// the client (rolled back or deleted with force) and the connection must end.
/// </summary>
public interface IExport : IDisposable
{
    string Name { get; }
    string Description { get; }
    long Size { get; }
    bool IsReadOnly { get; }

    /// <summary>The size at which aligned requests avoid read-modify-write (the engine's cluster size).</summary>
    int PreferredBlockSize { get; }

    void Read(long offset, Span<byte> buffer);
    void Write(long offset, ReadOnlySpan<byte> data, bool fua);
    void Trim(long offset, long length, bool fua);
    void WriteZeroes(long offset, long length, bool fua);

    /// <summary>Makes every acknowledged write durable, on every connection (multi-conn safe).</summary>
    void Flush();

    IReadOnlyList<Extent> GetExtents(long offset, long length);

    /// <summary>Ranges that may differ from the named snapshot of the same volume.</summary>
    IReadOnlyList<ByteRange> GetChangedSince(string snapshot, long offset, long length);

    /// <summary>Snapshots of this export's volume: the bases a "changed since" query can name.</summary>
    IReadOnlyList<string> ListChangeTrackingBases();
}
