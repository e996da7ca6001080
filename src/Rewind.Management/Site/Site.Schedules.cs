using System.Globalization;
using Rewind.Engine;
using Rewind.Management.Scheduling;

namespace Rewind.Management;

/// <summary>
/// Schedules and retention per volume or group. The daemon's scheduler runs them; a scheduled snapshot is
/// named "auto-YYYYMMDDTHHMMSSZ" after its slot, records "schedule:TARGET" as its taker, and is followed by
/// a prune of that target's scheduled snapshots under its retention policy. Snapshots taken by hand are
/// never pruned, and held ones are always kept.
/// </summary>
public sealed partial class Site
{
    public const string AutoPrefix = "auto-";

    /// <summary>Sets (or replaces) the schedule and retention of a volume or group.</summary>
    public ScheduleInfo SetSchedule(string target, string schedule, string retention) =>
        Audited("schedule.set", target, new() { ["schedule"] = schedule, ["retention"] = retention }, () =>
        {
            var parsed = ParseSchedule(schedule);
            var policy = ParseRetention(retention);
            lock (_gate)
            {
                string key = CanonicalTarget(target);
                var record = _state.Schedules.FirstOrDefault(s => s.Target == key);
                if (record == null)
                {
                    record = new SiteState.ScheduleRecord { Target = key, CreatedAt = Clock.GetUtcNow() };
                    _state.Schedules.Add(record);
                }
                record.Schedule = parsed.Text;
                record.Retention = policy.ToString();
                SaveState();
                SchedulesChanged?.Invoke();
                return DescribeSchedule(key)!;
            }
        });

    public void ClearSchedule(string target) => Audited("schedule.clear", target, null, () =>
    {
        lock (_gate)
        {
            string key = CanonicalTarget(target);
            if (_state.Schedules.RemoveAll(s => s.Target == key) == 0)
                throw new RewindException(ErrorKind.NotFound, $"'{key}' has no schedule");
            SaveState();
            SchedulesChanged?.Invoke();
        }
    });

    public IReadOnlyList<ScheduleInfo> ListSchedules()
    {
        lock (_gate) return _state.Schedules.OrderBy(s => s.Target, StringComparer.Ordinal).Select(s => DescribeSchedule(s.Target)!).ToList();
    }

    /// <summary>Raised when schedules change, so a running scheduler re-plans at once.</summary>
    public event Action? SchedulesChanged;

    /// <summary>The jobs the scheduler runs: one per scheduled target, its id the target.</summary>
    public IReadOnlyList<ScheduledJob> ScheduledJobs()
    {
        lock (_gate)
            return _state.Schedules.Select(s => new ScheduledJob(s.Target, Schedule.Parse(s.Schedule), s.LastRun, s.CreatedAt)).ToList();
    }

    /// <summary>
    /// One scheduled run for the fire time <paramref name="slot"/>: the snapshot, then the prune. The run is
    /// recorded first, so a failing target is retried at its next slot, not in a loop.
    /// </summary>
    public async Task RunScheduledAsync(string target, DateTimeOffset slot)
    {
        string schedule;
        lock (_gate)
        {
            var record = _state.Schedules.FirstOrDefault(s => s.Target == target)
                         ?? throw new RewindException(ErrorKind.NotFound, $"'{target}' has no schedule");
            record.LastRun = slot;
            schedule = record.Schedule;
            SaveState();
        }
        string name = AutoPrefix + slot.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string by = "schedule:" + target;
        string reason = $"schedule '{schedule}' at {slot.UtcDateTime:yyyy-MM-dd HH:mm}Z";
        using (ActingAs(by))
        {
            if (IsGroupName(target)) await SnapshotGroupAsync(target, name, reason, by);
            else await CreateSnapshotAsync(target, name, reason, by);
            Prune(target, dryRun: false);
        }
    }

    /// <summary>
    /// Applies the target's retention policy (or <paramref name="policyText"/>) to the snapshots its
    /// schedule took. With <paramref name="dryRun"/> nothing is deleted: the report shows what would be.
    /// </summary>
    public PruneReport Prune(string target, bool dryRun, string? policyText = null)
    {
        string key;
        RetentionPolicy policy;
        lock (_gate)
        {
            key = CanonicalTarget(target);
            string? stored = _state.Schedules.FirstOrDefault(s => s.Target == key)?.Retention;
            if (policyText == null && stored == null)
                throw new RewindException(ErrorKind.InvalidArgument, $"'{key}' has no retention policy; set one with 'rewind schedule set' or pass --keep");
            policy = ParseRetention(policyText ?? stored!);
        }
        var candidates = ScheduledSnapshotsOf(key);
        var plan = Retention.Plan(candidates, policy, Zone);
        var report = new PruneReport(key, policy.ToString(), dryRun,
            plan.Select(d => new PruneDecision(d.Name, d.CreatedAt, d.Keep, d.Reasons)).ToList());
        if (dryRun || policy.IsEmpty) return report;
        return Audited("prune", key, new() { ["policy"] = policy.ToString() }, () =>
        {
            foreach (var d in plan.Where(d => !d.Keep))
            {
                if (IsGroupName(key)) DeleteGroupSnapshot(key, d.Name, force: false);
                else DeleteSnapshot(key, d.Name, force: false);
            }
            return report;
        });
    }

    private List<RetentionCandidate> ScheduledSnapshotsOf(string target)
    {
        string by = "schedule:" + target;
        if (IsGroupName(target))
        {
            var members = ResolveMembers(target);
            var first = members[0];
            var taken = first.Pool.ListSnapshots(first.Volume).Where(s => s.CreatedBy == by).Select(s => s.Name).ToHashSet();
            return ListGroupSnapshots(target).Where(s => taken.Contains(s.Name))
                .Select(s => new RetentionCandidate(s.Name, s.CreatedAt, s.Held)).ToList();
        }
        var (pool, name) = Resolve(target);
        return pool.ListSnapshots(name).Where(s => s.CreatedBy == by)
            .Select(s => new RetentionCandidate(s.Name, s.CreatedAt, s.Holds.Count > 0)).ToList();
    }

    /// <summary>Under <c>_gate</c>: a group's name, or a volume's canonical address (which must exist).</summary>
    private string CanonicalTarget(string target)
    {
        if (IsGroupName(target)) return target;
        var (pool, name) = Resolve(target);
        if (!pool.VolumeExists(name)) throw new RewindException(ErrorKind.NotFound, $"no group or volume '{target}'");
        return VolumeAddress.Parse(target).ToString();
    }

    /// <summary>Under <c>_gate</c>.</summary>
    private ScheduleInfo? DescribeSchedule(string target)
    {
        var s = _state.Schedules.FirstOrDefault(x => x.Target == target);
        if (s == null) return null;
        var now = Clock.GetUtcNow();
        var next = Schedule.Parse(s.Schedule).NextAfter(s.LastRun ?? s.CreatedAt, Zone);
        if (next < now) next = now; // missed while the daemon was down: it runs once as soon as it can
        return new ScheduleInfo(s.Target, s.Schedule, s.Retention, s.CreatedAt, s.LastRun, next);
    }

    private static Schedule ParseSchedule(string text)
    {
        try { return Schedule.Parse(text); }
        catch (FormatException e) { throw new RewindException(ErrorKind.InvalidArgument, e.Message); }
    }

    private static RetentionPolicy ParseRetention(string text)
    {
        try { return RetentionPolicy.Parse(text); }
        catch (FormatException e) { throw new RewindException(ErrorKind.InvalidArgument, e.Message); }
    }
}
