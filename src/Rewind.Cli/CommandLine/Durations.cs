using System.Globalization;

namespace Rewind.Cli.CommandLine;

/// <summary>Durations on the command line: "30s", "5m", "1h", "500ms", "1.5s"; a bare number is seconds.</summary>
public static class Durations
{
    private static readonly (string Unit, double Seconds)[] Units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)];

    public static TimeSpan Parse(string text, string what)
    {
        string s = text.Trim().ToLowerInvariant();
        int end = 0;
        while (end < s.Length && (char.IsAsciiDigit(s[end]) || s[end] == '.')) end++;
        string unit = s[end..].Trim();
        double scale = unit.Length == 0 ? 1 : Units.FirstOrDefault(u => u.Unit == unit).Seconds;
        if (end == 0 || scale == 0 || !double.TryParse(s[..end], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value))
            throw new UsageException($"bad {what} '{text}': write a number with a unit, e.g. 30s, 5m, 1h, 500ms");
        var duration = TimeSpan.FromSeconds(value * scale);
        if (duration <= TimeSpan.Zero) throw new UsageException($"{what} '{text}' must be more than zero");
        return duration;
    }

    /// <summary>"30s", "5m", "1.5s", "250ms": short, for tables.</summary>
    public static string Format(TimeSpan duration) =>
        duration < TimeSpan.FromSeconds(1) ? $"{duration.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)}ms"
        : duration < TimeSpan.FromMinutes(1) || duration.TotalSeconds % 60 != 0 ? $"{duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s"
        : duration < TimeSpan.FromHours(1) || duration.TotalMinutes % 60 != 0 ? $"{duration.TotalMinutes.ToString("0", CultureInfo.InvariantCulture)}m"
        : $"{duration.TotalHours.ToString("0", CultureInfo.InvariantCulture)}h";
}
