using Rewind.Engine;

namespace Rewind.Nbd.Exports;

/// <summary>
/// Serves a pool: every volume is a read-write export under its own name, and every snapshot is a
/// read-only export named "volume@snapshot". With a name prefix (e.g. "fast/" for a pool among several)
/// the exports are listed and introduce themselves under the prefixed names; <see cref="TryOpen"/> takes
/// names without it.
/// </summary>
public sealed class PoolExportCatalog : IExportCatalog
{
    private readonly Pool _pool;
    private readonly string _namePrefix;

    public PoolExportCatalog(Pool pool, string namePrefix = "")
    {
        _pool = pool;
        _namePrefix = namePrefix;
    }

    public IReadOnlyList<ExportListing> ListExports()
    {
        var result = new List<ExportListing>();
        foreach (var v in _pool.ListVolumes())
            result.Add(new ExportListing(_namePrefix + v.Name, DescribeVolume(v.SizeBytes)));
        foreach (var s in _pool.ListSnapshots())
            result.Add(new ExportListing(_namePrefix + s.FullName, DescribeSnapshot(s.SizeBytes, s.CreatedAt)));
        return result;
    }

    public IExport? TryOpen(string name)
    {
        if (!IsExportName(name)) return null;
        try
        {
            var handle = _pool.Open(name);
            return new PoolExport(_pool, handle, _namePrefix);
        }
        catch (RewindException e) when (e.Kind == ErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <summary>"vol" or "vol@snap" with both parts valid names: anything else never reaches the engine.</summary>
    private static bool IsExportName(string name)
    {
        int at = name.IndexOf('@');
        if (at < 0) return Names.IsValid(name);
        return Names.IsValid(name[..at]) && Names.IsValid(name[(at + 1)..]);
    }

    internal static string DescribeVolume(long size) => $"rewind volume, {FormatSize(size)}, read-write";

    internal static string DescribeSnapshot(long size, DateTimeOffset created) =>
        $"rewind snapshot taken {created.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z, {FormatSize(size)}, read-only";

    private static string FormatSize(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        return unit == 0 ? $"{bytes} B" : $"{value:0.##} {units[unit]}";
    }
}
