using System.Globalization;

namespace Rewind.Management.Scheduling;

/// <summary>
/// Plans which snapshots a <see cref="RetentionPolicy"/> keeps, with restic <c>forget</c> semantics:
/// <list type="bullet">
/// <item>snapshots are taken newest first (ties broken by name, descending, so plans are reproducible);</item>
/// <item><c>last=N</c> keeps the N newest;</item>
/// <item>each calendar rule (hourly, daily, weekly by ISO week, monthly, yearly, in the wall-clock time of the zone) walks
/// newest first and keeps the newest snapshot of each bucket it has not kept yet, until it has kept N buckets; a day
/// of 23 or 25 hours is one daily bucket, and the hour repeated when clocks fall back is one hourly bucket;</item>
/// <item>rules are independent: one snapshot may be kept by several rules, and every rule that keeps it is a reason;</item>
/// <item>held snapshots are always kept (reason "held") and, as Proxmox treats protected backups, are invisible to the
/// rules: they use no slot and claim no bucket, so the policy keeps from the other snapshots exactly what it would
/// keep if the held ones did not exist;</item>
/// <item>an empty policy keeps everything.</item>
/// </list>
/// </summary>
public static class Retention
{
    /// <summary>One decision per snapshot, newest first.</summary>
    public static IReadOnlyList<RetentionDecision> Plan(IEnumerable<RetentionCandidate> snapshots, RetentionPolicy policy, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(zone);

        var newestFirst = snapshots
            .OrderByDescending(snapshot => snapshot.CreatedAt)
            .ThenByDescending(snapshot => snapshot.Name, StringComparer.Ordinal)
            .ToList();

        var rules = new List<CalendarRule>
        {
            new("hourly", policy.Hourly, wall => wall.ToString("yyyy-MM-dd HH:00", CultureInfo.InvariantCulture)),
            new("daily", policy.Daily, wall => wall.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            new("weekly", policy.Weekly, wall => $"{ISOWeek.GetYear(wall):D4}-W{ISOWeek.GetWeekOfYear(wall):D2}"),
            new("monthly", policy.Monthly, wall => wall.ToString("yyyy-MM", CultureInfo.InvariantCulture)),
            new("yearly", policy.Yearly, wall => wall.ToString("yyyy", CultureInfo.InvariantCulture)),
        };

        var decisions = new List<RetentionDecision>(newestFirst.Count);
        int keptByLast = 0;
        foreach (var snapshot in newestFirst)
        {
            var reasons = new List<string>();
            if (snapshot.Held)
                reasons.Add("held");
            else if (policy.IsEmpty)
                reasons.Add("no policy");
            else
            {
                if (keptByLast < policy.Last)
                    reasons.Add($"last {++keptByLast}");
                var wall = WallClock.ToWall(snapshot.CreatedAt, zone);
                foreach (var rule in rules)
                    if (rule.TryKeep(wall) is { } bucket)
                        reasons.Add($"{rule.Name} {bucket}");
            }
            decisions.Add(new RetentionDecision(snapshot.Name, snapshot.CreatedAt, reasons.Count > 0, reasons));
        }
        return decisions;
    }
}

/// <summary>One calendar rule of a plan: keeps the newest snapshot of each bucket until it has kept its count of buckets.</summary>
file sealed class CalendarRule(string name, int count, Func<DateTime, string> bucketOf)
{
    readonly HashSet<string> _keptBuckets = new(StringComparer.Ordinal);

    public string Name => name;

    /// <summary>The bucket label if this rule keeps the snapshot (the first, i.e. newest, seen in its bucket), else null.</summary>
    public string? TryKeep(DateTime wall)
    {
        if (_keptBuckets.Count >= count)
            return null;
        string bucket = bucketOf(wall);
        return _keptBuckets.Add(bucket) ? bucket : null;
    }
}
