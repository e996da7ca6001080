namespace Rewind.Management.Scheduling;

/// <summary>
/// Converts between instants and wall-clock times of a zone, with the DST rules every schedule shares:
/// a wall time that does not exist (spring forward) maps to the first instant after the gap, and a wall
/// time that occurs twice (fall back) maps to its first occurrence. Both rules keep the mapping monotonic
/// (a later wall time never maps to an earlier instant), which the calendar searches rely on.
/// </summary>
internal static class WallClock
{
    /// <summary>The wall time of <paramref name="instant"/> in <paramref name="zone"/>, with Kind Unspecified.</summary>
    public static DateTime ToWall(DateTimeOffset instant, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(instant, zone).DateTime;

    /// <summary>The instant at which <paramref name="wall"/> (Kind Unspecified, read in <paramref name="zone"/>) happens.</summary>
    public static DateTimeOffset ToInstant(DateTime wall, TimeZoneInfo zone)
    {
        if (zone.IsInvalidTime(wall))
            return FirstInstantAfterGap(wall, zone);
        if (zone.IsAmbiguousTime(wall))
            return new DateTimeOffset(wall, zone.GetAmbiguousTimeOffsets(wall).Max()); // larger offset = earlier instant
        return new DateTimeOffset(wall, zone.GetUtcOffset(wall));
    }

    // The instant the clocks jump is also the first valid wall time after the gap read in the new offset.
    // Gaps start and end on whole minutes in tzdata (30 min to 24 h long), so walking minutes finds the end.
    static DateTimeOffset FirstInstantAfterGap(DateTime wall, TimeZoneInfo zone)
    {
        var end = new DateTime(wall.Year, wall.Month, wall.Day, wall.Hour, wall.Minute, 0, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(end))
            end = end.AddMinutes(1);
        return new DateTimeOffset(end, zone.GetUtcOffset(end));
    }
}
