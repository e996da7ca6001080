using Rewind.Cli.CommandLine;
using Rewind.Engine;

namespace Rewind.Cli.Commands;

/// <summary>scrub [POOL]</summary>
public static class ScrubCommand
{
    public static readonly CommandSpec Spec = new(
        "scrub", ["[POOL]"],
        "verify every checksum and the pools' bookkeeping",
        """
        Reads every data cluster and map of every volume and snapshot, checks their checksums and that
        the space accounting agrees with the maps, in every pool of the site or only in POOL (a name
        from 'rewind pool list'). Prints each problem found and exits with status 1 if there is any
        (an unavailable pool is one), 0 when every pool is clean.
        """,
        [], ["rewind scrub", "rewind scrub fast", "rewind scrub --json | jq '.problems'"],
        Run);

    private sealed record PoolScrub(string Pool, bool Clean, long ClustersChecked, long BytesChecked, int VersionsChecked);
    private sealed record PoolProblem(string Pool, string Kind, string Where, string Detail);

    private static int Run(CommandContext c)
    {
        string? only = c.Args.Optional(0);
        var pools = c.Site.ListPools().Where(p => only == null || p.Name == only).ToList();
        if (only != null && pools.Count == 0)
            throw new RewindException(ErrorKind.NotFound, $"no pool '{only}'; 'rewind pool list' shows the pools");

        var scrubs = new List<PoolScrub>();
        var problems = new List<PoolProblem>();
        foreach (var pool in pools)
        {
            if (pool.Error != null)
            {
                problems.Add(new PoolProblem(pool.Name, "unavailable", pool.Directory, pool.Error));
                scrubs.Add(new PoolScrub(pool.Name, false, 0, 0, 0));
                continue;
            }
            ScrubReport report;
            using (var progress = c.Print.Progress($"scrub {pool.Name}", 0)) report = c.Site.Scrub(pool.Name, progress);
            scrubs.Add(new PoolScrub(pool.Name, report.Clean, report.ClustersChecked, report.BytesChecked, report.VersionsChecked));
            problems.AddRange(report.Problems.Select(p => new PoolProblem(pool.Name, p.Kind, p.Where, p.Detail)));
        }
        bool clean = problems.Count == 0;
        if (c.Print.Json)
        {
            c.Print.WriteJson(new
            {
                clean,
                clustersChecked = scrubs.Sum(s => s.ClustersChecked),
                bytesChecked = scrubs.Sum(s => s.BytesChecked),
                versionsChecked = scrubs.Sum(s => s.VersionsChecked),
                problems,
                pools = scrubs,
            });
            return clean ? 0 : 1;
        }
        foreach (var problem in problems) c.Print.Line($"problem: {problem.Kind} in pool {problem.Pool}, {problem.Where}: {problem.Detail}");
        foreach (var s in scrubs)
        {
            string summary = $"pool {s.Pool}: checked {s.ClustersChecked} clusters ({Sizes.Format(s.BytesChecked)}) in {s.VersionsChecked} volume(s) and snapshot(s)";
            int count = problems.Count(p => p.Pool == s.Pool);
            c.Print.Line(count == 0 ? $"{summary}: clean" : $"{summary}: {count} problem(s)");
        }
        return clean ? 0 : 1;
    }
}
