using System.Globalization;

namespace Rewind.Cli.CommandLine;

/// <summary>
/// Sizes on the command line and in tables. Every unit is binary: K, KiB and KB all mean 1024 bytes
/// (disk tools disagree on "GB"; for a disk size the binary reading is the one people expect).
/// </summary>
public static class Sizes
{
    private const string Units = "KMGTPE";

    /// <summary>Parses "20G", "512M", "1.5T", "4096", "64K", "1GiB", "10GB", "100B" into bytes.</summary>
    public static long Parse(string text)
    {
        if (!TryParse(text, out long bytes, out string? problem)) throw new UsageException(problem!);
        return bytes;
    }

    public static bool TryParse(string text, out long bytes, out string? problem)
    {
        bytes = 0;
        problem = null;
        string s = text.Trim();
        int end = 0;
        while (end < s.Length && (char.IsAsciiDigit(s[end]) || s[end] == '.')) end++;
        string number = s[..end];
        string unit = s[end..].Trim().ToUpperInvariant();
        if (!decimal.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal value))
        {
            problem = $"bad size '{text}': write a number with an optional unit, e.g. 20G, 512M, 1.5T, 4096";
            return false;
        }
        int power = 0;
        if (unit.Length > 0)
        {
            // Accept "G", "GB", "GiB" (and "B" alone); all binary.
            string u = unit;
            if (u.EndsWith('B')) u = u[..^1];
            if (u.EndsWith('I')) u = u[..^1];
            if (u.Length > 1 || (u.Length == 1 && Units.IndexOf(u[0]) < 0) || (u.Length == 0 && unit != "B"))
            {
                problem = $"bad size unit in '{text}': use K, M, G, T, P or E (binary: 1K = 1024 bytes)";
                return false;
            }
            if (u.Length == 1) power = Units.IndexOf(u[0]) + 1;
        }
        try
        {
            decimal scaled = value;
            for (int i = 0; i < power; i++) scaled *= 1024;
            if (scaled != decimal.Truncate(scaled))
            {
                problem = $"size '{text}' is not a whole number of bytes";
                return false;
            }
            if (scaled > long.MaxValue)
            {
                problem = $"size '{text}' is too large";
                return false;
            }
            bytes = (long)scaled;
            return true;
        }
        catch (OverflowException)
        {
            problem = $"size '{text}' is too large";
            return false;
        }
    }

    /// <summary>"1.5G", "512M", "0", "100": at most three significant digits, trailing zeros dropped.</summary>
    public static string Format(long bytes)
    {
        if (bytes < 0) return "-" + Format(-bytes);
        if (bytes < 1024) return bytes.ToString(CultureInfo.InvariantCulture);
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        string digits = value >= 100 ? value.ToString("0", CultureInfo.InvariantCulture)
            : value >= 10 ? value.ToString("0.#", CultureInfo.InvariantCulture)
            : value.ToString("0.##", CultureInfo.InvariantCulture);
        // Rounding can carry into the next unit (1023.9K prints as 1024K otherwise).
        if (digits == "1024" && unit < Units.Length - 1) return "1" + Units[unit + 1];
        return digits + Units[unit];
    }
}
