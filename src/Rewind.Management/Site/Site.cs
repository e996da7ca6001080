using Rewind.Engine;

namespace Rewind.Management;

/// <summary>
/// A site: the pools one daemon (or one CLI run) works on — the default pool and any others registered in
/// it — with the groups, hooks, schedules and audit log over them. The one API the CLI, the control API and
/// the scheduler call for management; block I/O goes straight to the pools.
///
/// Opening a site opens every pool and settles the group cuts a crash left undecided, before anyone can
/// look at a snapshot. Thread-safe: pools are; the site's own state is changed under one lock.
/// </summary>
public sealed partial class Site : IDisposable
{
    private readonly object _gate = new();
    private readonly SiteOptions _options;
    private readonly Dictionary<string, Pool> _pools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _poolErrors = new(StringComparer.Ordinal);
    private readonly AsyncLocal<string?> _actor = new();
    private SiteState _state;

    /// <summary>The default pool's directory, where the site's own files live.</summary>
    public string Directory { get; }

    public Pool DefaultPool => _pools[VolumeAddress.DefaultPool];

    public AuditLog Audit { get; }

    public TimeProvider Clock => _options.Clock;

    public TimeZoneInfo Zone => _options.Zone;

    /// <summary>What opening had to settle: group cuts dropped or kept after a crash, pools that did not open.</summary>
    public IReadOnlyList<string> OpenNotes => _openNotes;
    private readonly List<string> _openNotes = new();

    private Site(string directory, SiteOptions options, Pool defaultPool)
    {
        Directory = defaultPool.Directory;
        _options = options;
        _pools[VolumeAddress.DefaultPool] = defaultPool;
        Audit = new AuditLog(Directory);
        _state = SiteState.Load(Directory);
    }

    public static Site Open(string directory, SiteOptions? options = null)
    {
        options ??= new SiteOptions();
        System.IO.Directory.CreateDirectory(directory);
        var site = new Site(directory, options, Pool.Open(directory, PoolOptionsFor(options, directory)));
        try
        {
            foreach (var record in site._state.Pools) site.TryOpenPool(record.Name, record.Directory);
            site.ResolveCuts();
            return site;
        }
        catch
        {
            site.Dispose();
            throw;
        }
    }

    /// <summary>Who the operations on this async flow are done by (the audit log's user); null restores the default.</summary>
    public IDisposable ActingAs(string? user)
    {
        var previous = _actor.Value;
        _actor.Value = user;
        return new Restore(() => _actor.Value = previous);
    }

    internal string Actor => _actor.Value ?? _options.User;

    private sealed class Restore(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    // ---- pools -------------------------------------------------------------------------------------

    public IReadOnlyList<PoolEntry> ListPools()
    {
        lock (_gate)
        {
            var entries = new List<PoolEntry> { new(VolumeAddress.DefaultPool, Directory, true, null) };
            foreach (var r in _state.Pools)
                entries.Add(new PoolEntry(r.Name, r.Directory, false, _poolErrors.GetValueOrDefault(r.Name)));
            return entries;
        }
    }

    /// <summary>The open pools by name (unavailable ones left out).</summary>
    public IReadOnlyDictionary<string, Pool> Pools
    {
        get { lock (_gate) return new Dictionary<string, Pool>(_pools, StringComparer.Ordinal); }
    }

    /// <summary>Registers a pool (creating it when the directory is new or empty) and opens it.</summary>
    public PoolEntry AddPool(string name, string directory) => Audited("pool.add", name, new() { ["directory"] = directory }, () =>
    {
        Names.Validate(name, "pool");
        string full = Path.GetFullPath(directory);
        lock (_gate)
        {
            if (name == VolumeAddress.DefaultPool || _state.Pools.Any(p => p.Name == name))
                throw new RewindException(ErrorKind.AlreadyExists, $"pool '{name}' already exists; 'rewind pool list' shows the pools");
            var clash = ListPools().FirstOrDefault(p => SameDirectory(p.Directory, full));
            if (clash != null) throw new RewindException(ErrorKind.AlreadyExists, $"{full} is already pool '{clash.Name}'");
            System.IO.Directory.CreateDirectory(full);
            var pool = OpenPool(full);
            if (_pools.Values.Any(p => p.PoolId == pool.PoolId))
            {
                pool.Dispose();
                throw new RewindException(ErrorKind.InvalidArgument, $"{full} is a copy of a pool this site already serves (same pool id); it cannot be added");
            }
            _pools[name] = pool;
            _state.Pools.Add(new SiteState.PoolRecord(name, full));
            SaveState();
            return new PoolEntry(name, full, false, null);
        }
    });

    /// <summary>Forgets a pool (its data stays in its directory). Refused while a group has members in it.</summary>
    public void RemovePool(string name) => Audited("pool.remove", name, null, () =>
    {
        lock (_gate)
        {
            if (name == VolumeAddress.DefaultPool) throw new RewindException(ErrorKind.InvalidArgument, "the default pool cannot be removed");
            var record = _state.Pools.FirstOrDefault(p => p.Name == name)
                         ?? throw new RewindException(ErrorKind.NotFound, $"no pool '{name}'; 'rewind pool list' shows the pools");
            var group = _state.Groups.FirstOrDefault(g => g.Members.Any(m => VolumeAddress.Parse(m).Pool == name));
            if (group != null)
                throw new RewindException(ErrorKind.Busy, $"group '{group.Name}' has members in pool '{name}'; remove them from the group first");
            if (_pools.Remove(name, out var pool)) pool.Dispose();
            _poolErrors.Remove(name);
            _state.Pools.Remove(record);
            _state.Schedules.RemoveAll(s => !IsGroupName(s.Target) && VolumeAddress.Parse(s.Target).Pool == name);
            SaveState();
        }
    });

    /// <summary>The pool and bare volume name behind "volume" or "pool/volume".</summary>
    public (Pool Pool, string Volume) Resolve(string volume)
    {
        var address = VolumeAddress.Parse(volume);
        return (PoolNamed(address.Pool), address.Volume);
    }

    public Pool PoolNamed(string name)
    {
        lock (_gate)
        {
            if (_pools.TryGetValue(name, out var pool)) return pool;
            if (_poolErrors.TryGetValue(name, out var error))
                throw new RewindException(ErrorKind.IO, $"pool '{name}' is unavailable: {error}");
            throw new RewindException(ErrorKind.NotFound, $"no pool '{name}'; 'rewind pool list' shows the pools, 'rewind pool add' adds one");
        }
    }

    /// <summary>The name a pool is known by in this site.</summary>
    public string NameOf(Pool pool)
    {
        lock (_gate) return _pools.First(p => ReferenceEquals(p.Value, pool)).Key;
    }

    private void TryOpenPool(string name, string directory)
    {
        try { _pools[name] = OpenPool(directory); }
        catch (Exception e) when (e is RewindException or IOException or UnauthorizedAccessException)
        {
            _poolErrors[name] = e.Message;
            _openNotes.Add($"pool '{name}' ({directory}) did not open: {e.Message}");
        }
    }

    private Pool OpenPool(string directory) => Pool.Open(directory, PoolOptionsFor(_options, directory));

    private static PoolOptions PoolOptionsFor(SiteOptions options, string directory) =>
        (options.PoolOptionsFor?.Invoke(directory) ?? new PoolOptions { HolderDescription = options.Holder }) with { Clock = options.Clock };

    private void ResolveCuts()
    {
        foreach (var outcome in Pool.ResolveGroupCuts(_pools.Values.ToList()))
        {
            var cut = outcome.Cut;
            string what = $"group snapshot of '{cut.Group}' ({string.Join(", ", cut.Snapshots)})";
            string note = outcome.Fate switch
            {
                GroupCutFate.Kept => $"{what}, interrupted by a crash, had reached every pool: kept",
                GroupCutFate.Dropped => $"{what}, interrupted by a crash, had not reached every pool: dropped from all",
                _ => $"{what} is undecided: a pool it spans is unavailable; it stays hidden until that pool is back",
            };
            _openNotes.Add(note);
            Audit.Append(new AuditEntry(Clock.GetUtcNow(), "rewind", "group.recover", cut.Group ?? "", outcome.Fate.ToString().ToLowerInvariant(),
                null, new Dictionary<string, string> { ["note"] = note }));
        }
    }

    private static bool SameDirectory(string a, string b) =>
        string.Equals(Path.GetFullPath(a).TrimEnd('/'), Path.GetFullPath(b).TrimEnd('/'), StringComparison.Ordinal);

    private void SaveState() => _state.Save(Directory);

    // ---- audit ---------------------------------------------------------------------------------------

    /// <summary>Runs a management operation and records who did it, on what, and how it ended.</summary>
    internal T Audited<T>(string operation, string target, Dictionary<string, string>? details, Func<T> action) =>
        AuditedAsync(operation, target, details, () => Task.FromResult(action())).GetAwaiter().GetResult();

    internal void Audited(string operation, string target, Dictionary<string, string>? details, Action action) =>
        Audited<bool>(operation, target, details, () => { action(); return true; });

    internal async Task<T> AuditedAsync<T>(string operation, string target, Dictionary<string, string>? details, Func<Task<T>> action)
    {
        try
        {
            var result = await action();
            Audit.Append(new AuditEntry(Clock.GetUtcNow(), Actor, operation, target, "ok", null, details));
            return result;
        }
        catch (Exception e) when (e is RewindException or FormatException)
        {
            Audit.Append(new AuditEntry(Clock.GetUtcNow(), Actor, operation, target, "failed", e.Message, details));
            throw;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var pool in _pools.Values)
            {
                try { pool.Flush(); } catch (RewindException) { }
                pool.Dispose();
            }
            _pools.Clear();
        }
    }
}
