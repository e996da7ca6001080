using System.Globalization;
using Rewind.Cli.CommandLine;
using Rewind.Cli.Output;
using Rewind.Management;

namespace Rewind.Cli.Commands;

/// <summary>diff VOLUME@A [VOLUME@B | VOLUME]</summary>
public static class DiffCommand
{
    public static readonly CommandSpec Spec = new(
        "diff", ["VOLUME@A", "[VOLUME@B|VOLUME]"],
        "list the byte ranges that changed between two versions of a volume",
        """
        Lists the ranges whose content may differ between snapshot A and snapshot B, or the live
        volume when the second argument is the volume's name or left out. Ranges are cluster-aligned
        (the pool's cluster size); the cost follows the amount of change, not the volume's size.
        """,
        [], ["rewind diff web@monday web@tuesday", "rewind diff web@monday --json"],
        Run);

    private static int Run(CommandContext c)
    {
        var (volume, from) = Targets.Snapshot(c.Args[0]);
        string? to = null;
        string? second = c.Args.Optional(1);
        if (second != null)
        {
            var (otherVolume, otherSnapshot) = Targets.VolumeOrSnapshot(second);
            if (VolumeAddress.Parse(otherVolume) != VolumeAddress.Parse(volume))
                throw new UsageException($"diff compares two versions of one volume; '{second}' is not a version of '{volume}'");
            to = otherSnapshot;
        }
        var ranges = c.Site.Diff(volume, from, to);
        long changed = ranges.Sum(r => r.Length);
        string toName = to == null ? volume : $"{volume}@{to}";
        if (c.Print.Json)
        {
            c.Print.WriteJson(new
            {
                volume,
                from = $"{volume}@{from}",
                to = toName,
                changedBytes = changed,
                ranges = ranges.Select(r => new { offset = r.Offset, length = r.Length }),
            });
            return 0;
        }
        if (ranges.Count > 0)
        {
            var table = new Table("OFFSET", "LENGTH", "SIZE");
            foreach (var r in ranges)
            {
                table.Add(r.Offset.ToString(CultureInfo.InvariantCulture), r.Length.ToString(CultureInfo.InvariantCulture), Sizes.Format(r.Length));
            }
            table.WriteTo(c.Print.Out);
        }
        c.Print.Line($"{volume}@{from} -> {toName}: {ranges.Count} range(s), {Sizes.Format(changed)} changed");
        return 0;
    }
}
