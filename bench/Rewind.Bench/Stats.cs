namespace Rewind.Bench;

/// <summary>Order statistics over samples (nearest-rank), and unit helpers.</summary>
internal static class Stats
{
    public static double Median(IReadOnlyList<double> samples) => Percentile(samples, 50);

    public static double Percentile(IReadOnlyList<double> samples, double percent)
    {
        if (samples.Count == 0) return double.NaN;
        var sorted = samples.Order().ToArray();
        int rank = (int)Math.Ceiling(percent / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double TicksToMs(long ticks) => ticks * 1000.0 / System.Diagnostics.Stopwatch.Frequency;

    public static double TicksToUs(long ticks) => ticks * 1_000_000.0 / System.Diagnostics.Stopwatch.Frequency;

    public const long KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;

    public static string Size(long bytes) =>
        bytes >= GiB && bytes % GiB == 0 ? $"{bytes / GiB} GiB"
        : bytes >= MiB && bytes % MiB == 0 ? $"{bytes / MiB} MiB"
        : bytes >= GiB ? $"{bytes / (double)GiB:F2} GiB"
        : bytes >= MiB ? $"{bytes / (double)MiB:F1} MiB"
        : $"{bytes / KiB} KiB";
}
