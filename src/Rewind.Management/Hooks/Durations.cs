namespace Rewind.Management.Hooks;

internal static class Durations
{
    /// <summary>"300ms", "5s", "1.5s": how a timeout reads in an error message.</summary>
    public static string Describe(TimeSpan duration) =>
        duration < TimeSpan.FromSeconds(1)
            ? $"{duration.TotalMilliseconds:0}ms"
            : $"{duration.TotalSeconds:0.###}s";
}
