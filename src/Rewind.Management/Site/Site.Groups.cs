using Rewind.Engine;
using Rewind.Management.Hooks;

namespace Rewind.Management;

/// <summary>
/// Consistency groups: volumes from any pools that are snapshotted, rolled back and cloned as one, with
/// quiesce hooks run around the cut. A group's snapshot is named "GROUP@NAME" and exists as "NAME" in
/// every member.
/// </summary>
public sealed partial class Site
{
    public GroupInfo CreateGroup(string name, IReadOnlyList<string> members) => Audited("group.create", name, new() { ["members"] = string.Join(" ", members) }, () =>
    {
        Names.Validate(name, "group");
        lock (_gate)
        {
            if (IsGroupName(name)) throw new RewindException(ErrorKind.AlreadyExists, $"group '{name}' already exists");
            if (DefaultPool.VolumeExists(name))
                throw new RewindException(ErrorKind.AlreadyExists, $"'{name}' is a volume in the default pool; volumes and groups share names, pick another");
            var record = new SiteState.GroupRecord { Name = name, Members = CheckedMembers(members, []) };
            _state.Groups.Add(record);
            SaveState();
            return Describe(record);
        }
    });

    public IReadOnlyList<GroupInfo> ListGroups()
    {
        lock (_gate) return _state.Groups.OrderBy(g => g.Name, StringComparer.Ordinal).Select(Describe).ToList();
    }

    public GroupInfo GetGroup(string name)
    {
        lock (_gate) return Describe(FindGroup(name));
    }

    public bool IsGroupName(string name)
    {
        lock (_gate) return _state.Groups.Any(g => g.Name == name);
    }

    public GroupInfo AddGroupMembers(string name, IReadOnlyList<string> members) => Audited("group.add", name, new() { ["members"] = string.Join(" ", members) }, () =>
    {
        lock (_gate)
        {
            var group = FindGroup(name);
            group.Members.AddRange(CheckedMembers(members, group.Members));
            SaveState();
            return Describe(group);
        }
    });

    public GroupInfo RemoveGroupMembers(string name, IReadOnlyList<string> members) => Audited("group.remove", name, new() { ["members"] = string.Join(" ", members) }, () =>
    {
        lock (_gate)
        {
            var group = FindGroup(name);
            foreach (var m in members)
            {
                string canonical = VolumeAddress.Parse(m).ToString();
                if (!group.Members.Remove(canonical))
                    throw new RewindException(ErrorKind.NotFound, $"'{canonical}' is not a member of group '{name}'; its members: {string.Join(", ", group.Members)}");
            }
            SaveState();
            return Describe(group);
        }
    });

    /// <summary>Forgets the group (and its schedule). Its members and their snapshots stay.</summary>
    public void DeleteGroup(string name) => Audited("group.delete", name, null, () =>
    {
        lock (_gate)
        {
            _state.Groups.Remove(FindGroup(name));
            _state.Schedules.RemoveAll(s => s.Target == name);
            SaveState();
        }
    });

    // ---- hooks ---------------------------------------------------------------------------------------

    /// <summary>Adds a quiesce hook to a group or a volume. Hook names are unique per target.</summary>
    public IReadOnlyList<HookSpec> AddHook(string target, HookSpec hook) => Audited("hook.add", target, new() { ["hook"] = hook.Name, ["kind"] = hook.Kind.ToString() }, () =>
    {
        Names.Validate(hook.Name, "hook");
        if (hook.Timeout <= TimeSpan.Zero) throw new RewindException(ErrorKind.InvalidArgument, "a hook's timeout must be positive, e.g. 30s");
        switch (hook.Kind)
        {
            case HookKind.Command when hook.PreCommand == null && hook.PostCommand == null:
                throw new RewindException(ErrorKind.InvalidArgument, $"hook '{hook.Name}' needs a pre (freeze) or post (thaw) command");
            case HookKind.GuestAgent when string.IsNullOrEmpty(hook.AgentSocket):
                throw new RewindException(ErrorKind.InvalidArgument, $"guest-agent hook '{hook.Name}' needs the agent's socket path (qemu -chardev socket,path=...)");
        }
        lock (_gate)
        {
            var hooks = HookListOf(target);
            if (hooks.Any(h => h.Name == hook.Name)) throw new RewindException(ErrorKind.AlreadyExists, $"'{target}' already has a hook '{hook.Name}'");
            try { HookValidation.Validate(hooks.Append(hook).ToList()); }
            catch (ArgumentException e) { throw new RewindException(ErrorKind.InvalidArgument, e.Message); }
            hooks.Add(hook);
            SaveState();
            return hooks.ToList();
        }
    });

    public IReadOnlyList<HookSpec> RemoveHook(string target, string hookName) => Audited("hook.remove", target, new() { ["hook"] = hookName }, () =>
    {
        lock (_gate)
        {
            var hooks = HookListOf(target);
            if (hooks.RemoveAll(h => h.Name == hookName) == 0)
                throw new RewindException(ErrorKind.NotFound, $"'{target}' has no hook '{hookName}'");
            SaveState();
            return hooks.ToList();
        }
    });

    public IReadOnlyList<HookSpec> ListHooks(string target)
    {
        lock (_gate) return HookListOf(target).ToList();
    }

    /// <summary>Under <c>_gate</c>: the live hook list of a group, or of a volume (created empty).</summary>
    private List<HookSpec> HookListOf(string target)
    {
        if (IsGroupName(target)) return FindGroup(target).Hooks;
        var (pool, name) = Resolve(target);
        if (!pool.VolumeExists(name)) throw new RewindException(ErrorKind.NotFound, $"no group or volume '{target}'");
        string key = VolumeAddress.Parse(target).ToString();
        if (!_state.VolumeHooks.TryGetValue(key, out var list)) _state.VolumeHooks[key] = list = new List<HookSpec>();
        return list;
    }

    // ---- group snapshots, rollback, clone ---------------------------------------------------------

    /// <summary>
    /// Snapshots every member at one instant, with the group's and its members' hooks run around the cut.
    /// A pre hook that fails or times out means no snapshot anywhere; thaw always runs.
    /// </summary>
    public Task<GroupSnapshotInfo> SnapshotGroupAsync(string group, string snapshot, string? reason = null, string? createdBy = null)
    {
        List<string> members;
        List<HookSpec> hooks;
        lock (_gate)
        {
            var record = FindGroup(group);
            if (record.Members.Count == 0) throw new RewindException(ErrorKind.InvalidArgument, $"group '{group}' has no members; 'rewind group add {group} VOLUME...'");
            members = record.Members.ToList();
            hooks = record.Hooks.Concat(members.SelectMany(m => _state.VolumeHooks.GetValueOrDefault(m) ?? [])).ToList();
        }
        var resolved = ResolveAll(members);
        return SnapshotWithHooksAsync(group, resolved, snapshot, new SnapshotMeta { CreatedBy = createdBy ?? Actor, Reason = reason }, hooks, "group.snapshot", group);
    }

    private Task<GroupSnapshotInfo> SnapshotWithHooksAsync(string target, List<GroupMember> members, string snapshot, SnapshotMeta meta,
        IReadOnlyList<HookSpec> hooks, string operation, string? group)
    {
        var addresses = members.Select(m => VolumeAddress.Qualify(NameOf(m.Pool), m.Volume)).ToList();
        var details = new Dictionary<string, string> { ["members"] = string.Join(" ", addresses), ["hooks"] = string.Join(" ", hooks.Select(h => h.Name)) };
        if (meta.Reason != null) details["reason"] = meta.Reason;
        return AuditedAsync(operation, $"{target}@{snapshot}", details, async () =>
        {
            Names.Validate(snapshot, "snapshot");
            var context = new HookContext(target, snapshot, addresses);
            QuiesceResult<GroupSnapshotResult> quiesced;
            try
            {
                quiesced = await Quiesce.AroundAsync(hooks, context,
                    () => Pool.SnapshotGroup(members, snapshot, meta with { Group = group, ApplicationConsistent = hooks.Count > 0 }));
            }
            catch (HookFailedException e)
            {
                throw new RewindException(ErrorKind.HookFailed, e.Message, e);
            }
            catch (ArgumentException e)
            {
                throw new RewindException(ErrorKind.InvalidArgument, $"the hooks of '{target}' and its members do not fit together: {e.Message}", e);
            }
            var cut = quiesced.Value;
            details["pauseMs"] = cut.Pause.TotalMilliseconds.ToString("F3", System.Globalization.CultureInfo.InvariantCulture);
            details["consistency"] = quiesced.ApplicationConsistent ? "application" : "crash";
            var infos = cut.Snapshots.Select((s, i) => Qualify(members[i].Pool, s)).ToList();
            return new GroupSnapshotInfo(target, snapshot, infos, quiesced.ApplicationConsistent, cut.Pause.TotalMilliseconds, quiesced.Runs, quiesced.Warnings);
        });
    }

    /// <summary>Rolls every member back to the group snapshot together; refused while a member is open, unless forced.</summary>
    public void RollbackGroup(string group, string snapshot, bool force) => Audited("group.rollback", $"{group}@{snapshot}", new() { ["force"] = force.ToString() }, () =>
    {
        Pool.RollbackGroup(ResolveMembers(group), snapshot, force);
    });

    /// <summary>
    /// Clones every member of a group snapshot into its own pool as PREFIX+volume, and makes them a new group
    /// PREFIX+group: a whole machine or stack from its golden master. On failure the clones made are deleted.
    /// </summary>
    public GroupInfo CloneGroup(string group, string snapshot, string prefix) => Audited("group.clone", $"{group}@{snapshot}", new() { ["prefix"] = prefix }, () =>
    {
        var members = ResolveMembers(group);
        string newGroup = prefix + group;
        Names.Validate(newGroup, "group");
        if (IsGroupName(newGroup)) throw new RewindException(ErrorKind.AlreadyExists, $"group '{newGroup}' already exists; choose another prefix");
        var lacking = members.FirstOrDefault(m => !m.Pool.SnapshotExists(m.Volume, snapshot));
        if (lacking != null) // checked before anything is made
            throw new RewindException(ErrorKind.NotFound, $"no snapshot '{VolumeAddress.Qualify(NameOf(lacking.Pool), lacking.Volume)}@{snapshot}'; 'rewind snapshot list {group}' shows the group's snapshots");
        var made = new List<(Pool Pool, string Volume)>();
        try
        {
            foreach (var m in members)
            {
                string name = prefix + m.Volume;
                m.Pool.Clone(m.Volume, snapshot, name);
                made.Add((m.Pool, name));
            }
        }
        catch
        {
            foreach (var (pool, name) in made)
                try { pool.DeleteVolume(name); } catch (RewindException) { }
            throw;
        }
        lock (_gate)
        {
            var record = new SiteState.GroupRecord
            {
                Name = newGroup,
                Members = made.Select(c => VolumeAddress.Qualify(NameOf(c.Pool), c.Volume)).ToList(),
            };
            _state.Groups.Add(record);
            SaveState();
            return Describe(record);
        }
    });

    /// <summary>The group snapshots: names every member holds as a snapshot of this group, newest first.</summary>
    public IReadOnlyList<(string Name, DateTimeOffset CreatedAt, bool Held)> ListGroupSnapshots(string group)
    {
        var members = ResolveMembers(group);
        var perMember = members.Select(m => m.Pool.ListSnapshots(m.Volume).Where(s => s.Group == group).ToList()).ToList();
        return perMember[0]
            .Where(s => perMember.All(list => list.Any(x => x.Name == s.Name)))
            .Select(s => (s.Name, s.CreatedAt, perMember.Any(list => list.First(x => x.Name == s.Name).Holds.Count > 0)))
            .OrderByDescending(s => s.CreatedAt)
            .ToList();
    }

    /// <summary>Deletes a group snapshot from every member that has it.</summary>
    public void DeleteGroupSnapshot(string group, string snapshot, bool force) => Audited("group.snapshot.delete", $"{group}@{snapshot}", null, () =>
    {
        Pool.DeleteSnapshotGroup(ResolveMembers(group), snapshot, force);
    });

    /// <summary>Holds (or releases) the group snapshot in every member.</summary>
    public void HoldGroup(string group, string snapshot, string tag, bool release) => Audited(release ? "group.release" : "group.hold", $"{group}@{snapshot}", new() { ["tag"] = tag }, () =>
    {
        foreach (var m in ResolveMembers(group))
        {
            if (release) m.Pool.Release(m.Volume, snapshot, tag);
            else m.Pool.Hold(m.Volume, snapshot, tag);
        }
    });

    public List<GroupMember> ResolveMembers(string group)
    {
        List<string> members;
        lock (_gate) members = FindGroup(group).Members.ToList();
        if (members.Count == 0) throw new RewindException(ErrorKind.InvalidArgument, $"group '{group}' has no members");
        return ResolveAll(members);
    }

    private List<GroupMember> ResolveAll(IEnumerable<string> addresses) =>
        addresses.Select(m => { var (pool, name) = Resolve(m); return new GroupMember(pool, name); }).ToList();

    // ---- helpers -----------------------------------------------------------------------------------

    /// <summary>Under <c>_gate</c>.</summary>
    private SiteState.GroupRecord FindGroup(string name) =>
        _state.Groups.FirstOrDefault(g => g.Name == name)
        ?? throw new RewindException(ErrorKind.NotFound, $"no group '{name}'; 'rewind group list' shows the groups");

    /// <summary>Under <c>_gate</c>: members in canonical form, each an existing volume, none twice.</summary>
    private List<string> CheckedMembers(IReadOnlyList<string> members, List<string> existing)
    {
        var result = new List<string>();
        foreach (var m in members)
        {
            var address = VolumeAddress.Parse(m);
            var pool = PoolNamed(address.Pool);
            if (!pool.VolumeExists(address.Volume))
                throw new RewindException(ErrorKind.NotFound, $"no volume '{address}'; 'rewind volume list' shows what exists");
            string canonical = address.ToString();
            if (existing.Contains(canonical) || result.Contains(canonical))
                throw new RewindException(ErrorKind.AlreadyExists, $"'{canonical}' is already a member");
            result.Add(canonical);
        }
        return result;
    }

    /// <summary>Under <c>_gate</c>.</summary>
    private GroupInfo Describe(SiteState.GroupRecord g) =>
        new(g.Name, g.Members.ToList(), g.Hooks.ToList(), DescribeSchedule(g.Name));
}
