using System.Text.RegularExpressions;

namespace Rewind.System.Tests.Guest;

/// <summary>
/// What one boot of the guest printed on its serial console, read through the lines its
/// /sbin/init prints (tests/guest/rootfs-init.sh).
/// </summary>
internal sealed partial class BootReport
{
    public string Name { get; }
    public int ExitCode { get; }
    public IReadOnlyList<string> Lines { get; }

    /// <summary>Wall time from starting qemu to its exit: printed, never asserted (TCG speed varies with load).</summary>
    public TimeSpan Elapsed { get; }

    public BootReport(string name, int exitCode, IReadOnlyList<string> lines, TimeSpan elapsed)
    {
        Name = name;
        ExitCode = exitCode;
        Elapsed = elapsed;
        Lines = lines.Select(Clean).ToList();
    }

    // Tokens are looked for anywhere in a line: the console carries no line break between SeaBIOS's
    // last words and the guest's first, and a late kernel message can land in the middle of a line.

    /// <summary>The guest ran its init to the end and powered off by itself.</summary>
    public bool Completed => ExitCode == 0 && Lines.Any(l => l.Contains("GUEST-DONE", StringComparison.Ordinal));

    public bool RootRemountedReadOnly => Lines.Any(l => l.Contains("ROOT-READONLY", StringComparison.Ordinal));

    /// <summary>"absent", or "present VALUE", as the guest saw /marker when it booted; null if it never said.</summary>
    public string? MarkerSeenAtBoot
    {
        get
        {
            foreach (string line in Lines)
            {
                if (line.Contains("MARKER-ABSENT", StringComparison.Ordinal)) return "absent";
                var present = MarkerPresent().Match(line);
                if (present.Success) return "present " + present.Groups[1].Value;
            }
            return null;
        }
    }

    /// <summary>The value the guest wrote to /marker in this boot, or null.</summary>
    public string? MarkerWritten =>
        Lines.Select(l => MarkerWrittenLine().Match(l)).FirstOrDefault(m => m.Success)?.Groups[1].Value;

    public string Transcript => $"=== boot {Name} (qemu exit {ExitCode} after {Elapsed.TotalSeconds:0.0} s) ===\n" + string.Join('\n', Lines);

    // The serial console carries terminal escapes (SeaBIOS clears the screen) and CR line ends.
    private static string Clean(string line) => TerminalEscape().Replace(line, "").Trim('\r', ' ', '\n');

    [GeneratedRegex(@"MARKER-PRESENT ([A-Za-z0-9_-]*)")]
    private static partial Regex MarkerPresent();

    [GeneratedRegex(@"MARKER-WRITTEN ([A-Za-z0-9_-]+)")]
    private static partial Regex MarkerWrittenLine();

    [GeneratedRegex(@"\x1b(\[[0-9;?]*[A-Za-z]|c)")]
    private static partial Regex TerminalEscape();
}
