using System.Globalization;

namespace Rewind.Management.Tests.Scheduling;

/// <summary>Readable instants for expectations: "2025-03-30 03:00 +02:00".</summary>
internal static class TestTime
{
    const string Format = "yyyy-MM-dd HH:mm zzz";

    public static DateTimeOffset At(string text) => DateTimeOffset.ParseExact(text, Format, CultureInfo.InvariantCulture);

    /// <summary>Wall time and offset, so a test sees both which instant and how it reads in the zone.</summary>
    public static string Show(DateTimeOffset instant) => instant.ToString(Format, CultureInfo.InvariantCulture);

    public static string? Show(DateTimeOffset? instant) => instant is { } value ? Show(value) : null;

    /// <summary>The next <paramref name="count"/> fire times of a schedule after <paramref name="start"/>, shown.</summary>
    public static string[] FireTimes(string schedule, string start, int count, TimeZoneInfo zone)
    {
        var parsed = Rewind.Management.Scheduling.Schedule.Parse(schedule);
        var fires = new string[count];
        var after = At(start);
        for (int i = 0; i < count; i++)
        {
            after = parsed.NextAfter(after, zone);
            fires[i] = Show(after);
        }
        return fires;
    }
}

/// <summary>IANA zones from the system tzdata (InvariantGlobalization does not affect time zones).</summary>
internal static class Zones
{
    public static TimeZoneInfo Berlin => TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    public static TimeZoneInfo NewYork => TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    public static TimeZoneInfo Utc => TimeZoneInfo.FindSystemTimeZoneById("Etc/UTC");
}
