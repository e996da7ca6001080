using System.Collections.Concurrent;
using Rewind.Engine;
using Rewind.Management;
using Rewind.Nbd.Exports;

namespace Rewind.Server;

/// <summary>
/// Serves every pool of a site over NBD: "vol" and "vol@snap" in the default pool, "pool/vol" and
/// "pool/vol@snap" in the others. Pools added while the daemon runs are served at once.
/// </summary>
public sealed class SiteExportCatalog(Site site) : IExportCatalog
{
    private readonly ConcurrentDictionary<(Pool, string), PoolExportCatalog> _catalogs = new();

    private PoolExportCatalog CatalogOf(string poolName, Pool pool) =>
        _catalogs.GetOrAdd((pool, poolName), key => new PoolExportCatalog(key.Item1, key.Item2 == VolumeAddress.DefaultPool ? "" : key.Item2 + "/"));

    public IReadOnlyList<ExportListing> ListExports() =>
        site.Pools.OrderBy(p => p.Key == VolumeAddress.DefaultPool ? "" : p.Key, StringComparer.Ordinal)
            .SelectMany(p => CatalogOf(p.Key, p.Value).ListExports())
            .ToList();

    public IExport? TryOpen(string name)
    {
        int slash = name.IndexOf('/');
        string poolName = slash < 0 ? VolumeAddress.DefaultPool : name[..slash];
        if (!Names.IsValid(poolName) || !site.Pools.TryGetValue(poolName, out var pool)) return null;
        return CatalogOf(poolName, pool).TryOpen(slash < 0 ? name : name[(slash + 1)..]);
    }
}
