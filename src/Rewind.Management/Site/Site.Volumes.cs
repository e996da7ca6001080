using Rewind.Engine;
using Rewind.Management.Hooks;

namespace Rewind.Management;

/// <summary>
/// Volume and snapshot operations by site address ("vol", "pool/vol", "pool/vol@snap"): each goes to its
/// pool, names in the answers carry their pool, and every change is audited.
/// </summary>
public sealed partial class Site
{
    public VolumeInfo CreateVolume(string volume, long sizeBytes) => Audited("volume.create", volume, new() { ["size"] = sizeBytes.ToString() }, () =>
    {
        var (pool, name) = Resolve(volume);
        if (IsGroupName(volume))
            throw new RewindException(ErrorKind.AlreadyExists, $"'{volume}' is a group's name; volumes and groups share names, pick another");
        return Qualify(pool, pool.CreateVolume(name, sizeBytes));
    });

    public IReadOnlyList<VolumeInfo> ListVolumes() =>
        Pools.SelectMany(p => p.Value.ListVolumes().Select(v => Qualify(p.Value, v))).ToList();

    public VolumeInfo GetVolume(string volume)
    {
        var (pool, name) = Resolve(volume);
        return Qualify(pool, pool.GetVolume(name));
    }

    public bool VolumeExists(string volume)
    {
        var address = VolumeAddress.Parse(volume);
        lock (_gate) return _pools.TryGetValue(address.Pool, out var pool) && pool.VolumeExists(address.Volume);
    }

    public VolumeInfo ResizeVolume(string volume, long sizeBytes) => Audited("volume.resize", volume, new() { ["size"] = sizeBytes.ToString() }, () =>
    {
        var (pool, name) = Resolve(volume);
        return Qualify(pool, pool.ResizeVolume(name, sizeBytes));
    });

    /// <summary>Renames within its pool: the new name may be bare or carry the same pool.</summary>
    public void RenameVolume(string volume, string newName) => Audited("volume.rename", volume, new() { ["newName"] = newName }, () =>
    {
        var (pool, name) = Resolve(volume);
        string bare = SamePool(volume, newName, "rename");
        pool.RenameVolume(name, bare);
        lock (_gate) RenameInState(volume, VolumeAddress.Qualify(NameOf(pool), bare));
    });

    public void DeleteVolume(string volume, bool recursive, bool force) => Audited("volume.delete", volume, new() { ["recursive"] = recursive.ToString(), ["force"] = force.ToString() }, () =>
    {
        var (pool, name) = Resolve(volume);
        string canonical = VolumeAddress.Parse(volume).ToString();
        lock (_gate)
        {
            var group = _state.Groups.FirstOrDefault(g => g.Members.Contains(canonical));
            if (group != null)
                throw new RewindException(ErrorKind.Busy, $"volume '{canonical}' is a member of group '{group.Name}'; 'rewind group remove {group.Name} {canonical}' first");
        }
        pool.DeleteVolume(name, recursive, force);
        lock (_gate)
        {
            bool changed = _state.VolumeHooks.Remove(canonical) | _state.Schedules.RemoveAll(s => s.Target == canonical) > 0;
            if (changed) SaveState();
        }
    });

    /// <summary>
    /// Snapshots one volume. With hooks configured on the volume they run around the cut, as for a group.
    /// </summary>
    public async Task<SnapshotInfo> CreateSnapshotAsync(string volume, string snapshot, string? reason = null, string? createdBy = null)
    {
        var (pool, name) = Resolve(volume);
        var hooks = HooksOf(volume);
        var meta = new SnapshotMeta { CreatedBy = createdBy ?? Actor, Reason = reason };
        if (hooks.Count == 0)
            return Audited("snapshot.create", $"{volume}@{snapshot}", Details(reason), () => Qualify(pool, pool.CreateSnapshot(name, snapshot, meta)));
        var result = await SnapshotWithHooksAsync(volume, [new GroupMember(pool, name)], snapshot, meta, hooks, "snapshot.create", group: null);
        return result.Members[0];
    }

    public IReadOnlyList<SnapshotInfo> ListSnapshots(string? volume)
    {
        if (volume != null)
        {
            var (pool, name) = Resolve(volume);
            return pool.ListSnapshots(name).Select(s => Qualify(pool, s)).ToList();
        }
        return Pools.SelectMany(p => p.Value.ListSnapshots().Select(s => Qualify(p.Value, s))).ToList();
    }

    public SnapshotInfo GetSnapshot(string volume, string snapshot)
    {
        var (pool, name) = Resolve(volume);
        return Qualify(pool, pool.GetSnapshot(name, snapshot));
    }

    public void DeleteSnapshot(string volume, string snapshot, bool force) => Audited("snapshot.delete", $"{volume}@{snapshot}", null, () =>
    {
        var (pool, name) = Resolve(volume);
        pool.DeleteSnapshot(name, snapshot, force);
    });

    public void Rollback(string volume, string snapshot, bool force) => Audited("rollback", $"{volume}@{snapshot}", new() { ["force"] = force.ToString() }, () =>
    {
        var (pool, name) = Resolve(volume);
        pool.Rollback(name, snapshot, force);
    });

    /// <summary>Clones within the snapshot's pool: the new name may be bare or carry the same pool.</summary>
    public VolumeInfo Clone(string volume, string snapshot, string newVolume) => Audited("clone", $"{volume}@{snapshot}", new() { ["newVolume"] = newVolume }, () =>
    {
        var (pool, name) = Resolve(volume);
        string bare = SamePool(volume, newVolume, "clone");
        return Qualify(pool, pool.Clone(name, snapshot, bare));
    });

    public IReadOnlyList<ByteRange> Diff(string volume, string from, string? to)
    {
        var (pool, name) = Resolve(volume);
        return pool.Diff(name, from, to);
    }

    public SnapshotInfo Hold(string volume, string snapshot, string tag) => Audited("hold", $"{volume}@{snapshot}", new() { ["tag"] = tag }, () =>
    {
        var (pool, name) = Resolve(volume);
        return Qualify(pool, pool.Hold(name, snapshot, tag));
    });

    public SnapshotInfo Release(string volume, string snapshot, string tag) => Audited("release", $"{volume}@{snapshot}", new() { ["tag"] = tag }, () =>
    {
        var (pool, name) = Resolve(volume);
        return Qualify(pool, pool.Release(name, snapshot, tag));
    });

    /// <summary>Opens "[pool/]volume" or "[pool/]volume@snapshot" for block I/O.</summary>
    public VolumeHandle Open(string target, bool readOnly)
    {
        int at = target.IndexOf('@');
        var (pool, name) = Resolve(at < 0 ? target : target[..at]);
        return pool.Open(at < 0 ? name : $"{name}@{target[(at + 1)..]}", readOnly);
    }

    public PoolStatus GetStatus(string? pool = null) => PoolNamed(pool ?? VolumeAddress.DefaultPool).GetStatus();

    public ScrubReport Scrub(string? pool = null, IProgress<double>? progress = null) =>
        Audited("scrub", pool ?? VolumeAddress.DefaultPool, null, () => PoolNamed(pool ?? VolumeAddress.DefaultPool).Scrub(progress));

    // ---- naming --------------------------------------------------------------------------------------

    private VolumeInfo Qualify(Pool pool, VolumeInfo v)
    {
        string poolName = NameOf(pool);
        return v with
        {
            Name = VolumeAddress.Qualify(poolName, v.Name),
            Origin = v.Origin == null ? null : VolumeAddress.Qualify(poolName, v.Origin),
        };
    }

    private SnapshotInfo Qualify(Pool pool, SnapshotInfo s) => s with { Volume = VolumeAddress.Qualify(NameOf(pool), s.Volume) };

    /// <summary>The bare name of <paramref name="newName"/>, which must be in the same pool as <paramref name="volume"/>.</summary>
    private static string SamePool(string volume, string newName, string what)
    {
        var from = VolumeAddress.Parse(volume);
        if (!newName.Contains('/')) { Names.Validate(newName, "volume"); return newName; }
        var to = VolumeAddress.Parse(newName);
        if (to.Pool != from.Pool)
            throw new RewindException(ErrorKind.InvalidArgument,
                $"cannot {what} '{volume}' into pool '{to.Pool}': a {what} stays in its pool ('{from.Pool}'); give a bare name");
        return to.Volume;
    }

    private static Dictionary<string, string>? Details(string? reason) =>
        reason == null ? null : new() { ["reason"] = reason };

    /// <summary>Under <c>_gate</c>: a renamed volume keeps its groups, hooks and schedule.</summary>
    private void RenameInState(string oldAddress, string newAddress)
    {
        string old = VolumeAddress.Parse(oldAddress).ToString();
        bool changed = false;
        foreach (var g in _state.Groups)
            for (int i = 0; i < g.Members.Count; i++)
                if (g.Members[i] == old) { g.Members[i] = newAddress; changed = true; }
        if (_state.VolumeHooks.Remove(old, out var hooks)) { _state.VolumeHooks[newAddress] = hooks; changed = true; }
        foreach (var s in _state.Schedules.Where(s => s.Target == old)) { s.Target = newAddress; changed = true; }
        if (changed) SaveState();
    }

    private IReadOnlyList<HookSpec> HooksOf(string volume)
    {
        lock (_gate) return _state.VolumeHooks.GetValueOrDefault(VolumeAddress.Parse(volume).ToString())?.ToList() ?? [];
    }
}
