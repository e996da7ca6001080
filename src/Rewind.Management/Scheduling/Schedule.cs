namespace Rewind.Management.Scheduling;

/// <summary>
/// A snapshot schedule, read in the wall-clock time of a zone. Accepted forms:
/// <list type="bullet">
/// <item>presets: <c>hourly</c> (minute 0), <c>daily</c> (00:00), <c>weekly</c> (Monday 00:00), <c>monthly</c> (the 1st, 00:00),
/// <c>yearly</c> (1 January, 00:00); the cron spellings <c>@hourly</c>, <c>@daily</c>, <c>@midnight</c>, <c>@annually</c> … too;</item>
/// <item>intervals <c>every 15m</c>, <c>every 2h</c> that divide a day, aligned to local midnight (every 2h = 00:00, 02:00, …);</item>
/// <item>5-field cron expressions <c>minute hour day-of-month month day-of-week</c> with <c>*</c>, lists, ranges, steps
/// (<c>*/15</c>, <c>1-30/5</c>, <c>5/15</c> = 5 to the end every 15), names <c>jan</c>–<c>dec</c> and <c>sun</c>–<c>sat</c>
/// (0 and 7 are Sunday). As in Vixie cron, when both day fields restrict, a day matching either fires; a day field
/// that starts with <c>*</c> (even <c>*/2</c>) does not restrict.</item>
/// </list>
/// <para>Daylight saving time: a wall time that does not exist (spring forward) fires at the first instant after the
/// gap, so "30 2 * * *" fires at 03:00 on the day Berlin jumps from 02:00 to 03:00, and several slots inside one gap
/// fire once there. A wall time that occurs twice (fall back) fires once, at its first occurrence; the repeated hour
/// fires nothing, so an hourly schedule leaves two real hours between 02:00 (first) and 03:00 that day.</para>
/// </summary>
public sealed class Schedule
{
    // Feb 29 can be 8 years away (2096 → 2104); nothing a valid pattern names is further.
    const int SearchDays = 9 * 366;

    readonly CalendarPattern _pattern;

    Schedule(string text, CalendarPattern pattern) => (Text, _pattern) = (text, pattern);

    /// <summary>Parses a preset, an interval or a cron expression.</summary>
    /// <exception cref="FormatException">The text is not a schedule, or names only dates that never come; the message shows valid examples.</exception>
    public static Schedule Parse(string text)
    {
        var (normalised, pattern) = ScheduleParser.Parse(text);
        return new Schedule(normalised, pattern);
    }

    /// <summary>Normalised text to store and show: lower case, single spaces, presets by name ("@daily" → "daily"), intervals as "every 90m" / "every 2h".</summary>
    public string Text { get; }

    public override string ToString() => Text;

    /// <summary>
    /// The first fire time strictly after <paramref name="after"/>, evaluated in the wall-clock time of <paramref name="zone"/>.
    /// A wall time skipped by a DST gap fires at the first instant after the gap; a wall time repeated by a fall-back
    /// transition fires once, at its first occurrence. The result carries the zone's offset at that instant.
    /// </summary>
    public DateTimeOffset NextAfter(DateTimeOffset after, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        // The wall date of the answer can be a day before the wall date of `after` when the offset changes in between.
        var day = DateOnly.FromDateTime(WallClock.ToWall(after, zone)).AddDays(-1);
        for (int searched = 0; searched < SearchDays; searched++, day = day.AddDays(1))
        {
            if (!_pattern.Matches(day))
                continue;
            foreach (int minute in _pattern.MinutesOfDay)
            {
                var fire = FireTime(day, minute, zone);
                if (fire > after) // wall → instant is monotonic, so the first one past `after` is the earliest
                    return fire;
            }
        }
        throw new InvalidOperationException($"Schedule '{Text}' has no fire time within {SearchDays} days after {after:O}.");
    }

    /// <summary>
    /// The latest fire time that is &lt;= <paramref name="atOrBefore"/> and &gt; <paramref name="after"/>, or null if there is
    /// none (used for catch-up after downtime). Same DST rules as <see cref="NextAfter"/>.
    /// </summary>
    public DateTimeOffset? LatestBetween(DateTimeOffset after, DateTimeOffset atOrBefore, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        if (atOrBefore <= after)
            return null;
        var day = DateOnly.FromDateTime(WallClock.ToWall(atOrBefore, zone)).AddDays(1);
        // Below this wall date every fire time is at or before `after` (UTC date minus two days covers any offset).
        var lastDayWorthLooking = after.UtcDateTime < DateTime.MinValue.AddDays(2)
            ? DateOnly.MinValue
            : DateOnly.FromDateTime(after.UtcDateTime).AddDays(-2);
        for (int searched = 0; searched < SearchDays && day >= lastDayWorthLooking; searched++, day = day.AddDays(-1))
        {
            if (!_pattern.Matches(day))
                continue;
            for (int i = _pattern.MinutesOfDay.Length - 1; i >= 0; i--)
            {
                var fire = FireTime(day, _pattern.MinutesOfDay[i], zone);
                if (fire <= atOrBefore)
                    return fire > after ? fire : null;
            }
        }
        return null;
    }

    static DateTimeOffset FireTime(DateOnly day, int minuteOfDay, TimeZoneInfo zone) =>
        WallClock.ToInstant(day.ToDateTime(TimeOnly.MinValue).AddMinutes(minuteOfDay), zone);
}
