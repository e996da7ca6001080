using Rewind.Cli.CommandLine;

namespace Rewind.Cli.Commands;

/// <summary>scrub</summary>
public static class ScrubCommand
{
    public static readonly CommandSpec Spec = new(
        "scrub", [],
        "verify every checksum and the pool's bookkeeping",
        """
        Reads every data cluster and map of every volume and snapshot, checks their checksums and that
        the space accounting agrees with the maps. Prints each problem found and exits with status 1 if
        there is any, 0 when the pool is clean.
        """,
        [], ["rewind scrub", "rewind scrub --json | jq '.problems'"],
        Run);

    private static int Run(CommandContext c)
    {
        Engine.ScrubReport report;
        using (var progress = c.Print.Progress("scrub", 0)) report = c.Pool.Scrub(progress);
        if (c.Print.Json)
        {
            c.Print.WriteJson(new
            {
                clean = report.Clean,
                report.ClustersChecked,
                report.BytesChecked,
                report.VersionsChecked,
                report.Problems,
            });
            return report.Clean ? 0 : 1;
        }
        foreach (var problem in report.Problems)
        {
            c.Print.Line($"problem: {problem.Kind} in {problem.Where}: {problem.Detail}");
        }
        string summary = $"checked {report.ClustersChecked} clusters ({Sizes.Format(report.BytesChecked)}) in {report.VersionsChecked} volume(s) and snapshot(s)";
        c.Print.Line(report.Clean ? $"{summary}: clean" : $"{summary}: {report.Problems.Count} problem(s)");
        return report.Clean ? 0 : 1;
    }
}
