namespace Rewind.Management.Scheduling;

/// <summary>
/// Decides what runs when. A job has served every fire time up to its <see cref="ScheduledJob.LastRun"/> (or its
/// <see cref="ScheduledJob.CreatedAt"/>, whichever is later). Fire times missed while the daemon was down run ONCE at
/// start, serving the latest of them, not once per missed slot. A new job first runs at the first fire time after
/// CreatedAt; if that is already past at start it counts as missed and runs once.
/// </summary>
public static class ScheduleMath
{
    /// <summary>True if a fire time the job has not served is at or before <paramref name="now"/>; <paramref name="slot"/> is the latest such fire time.</summary>
    public static bool IsDue(ScheduledJob job, DateTimeOffset now, TimeZoneInfo zone, out DateTimeOffset slot)
    {
        ArgumentNullException.ThrowIfNull(job);
        var latest = job.Schedule.LatestBetween(ServedUntil(job), now, zone);
        slot = latest.GetValueOrDefault();
        return latest.HasValue;
    }

    /// <summary>When the next of <paramref name="jobs"/> becomes due: <paramref name="now"/> if one is due already, <see cref="DateTimeOffset.MaxValue"/> if there are no jobs.</summary>
    public static DateTimeOffset NextWake(IEnumerable<ScheduledJob> jobs, DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var earliest = DateTimeOffset.MaxValue;
        foreach (var job in jobs)
        {
            if (IsDue(job, now, zone, out _))
                return now;
            var served = ServedUntil(job);
            var next = job.Schedule.NextAfter(served > now ? served : now, zone);
            if (next < earliest)
                earliest = next;
        }
        return earliest;
    }

    internal static DateTimeOffset ServedUntil(ScheduledJob job) =>
        job.LastRun is { } lastRun && lastRun > job.CreatedAt ? lastRun : job.CreatedAt;
}
