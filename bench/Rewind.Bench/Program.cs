using System.Diagnostics;
using Rewind.Bench;

// The engine benchmark: in-process, real filesystem, Stopwatch medians. Markdown on stdout, progress on stderr.
BenchOptions options;
try { options = BenchOptions.Parse(args); }
catch (ArgumentException e)
{
    if (e.Message.Length > 0) Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}
if (!Directory.Exists(options.Directory))
{
    Console.Error.WriteLine($"--dir {options.Directory} does not exist");
    return 2;
}

var ctx = new BenchContext(options, Console.Out);
var total = Stopwatch.StartNew();
ctx.Out.WriteLine($"# Rewind engine benchmark ({(options.Quick ? "--quick: small sizes, smoke run only" : "full run")})");
ctx.Out.WriteLine();
MachineInfo.Print(ctx.Out, options.Directory);

var benchmarks = new (string Name, Action<BenchContext> Run)[]
{
    ("io", IoThroughputBench.Run),
    ("latency", MetadataLatencyBench.Run),
    ("depth", SnapshotDepthBench.Run),
    ("mapmem", MapMemoryBench.Run),
};
foreach (var (name, run) in benchmarks)
{
    if (!options.Selected(name)) continue;
    var sw = Stopwatch.StartNew();
    run(ctx);
    ctx.Progress($"{name} done in {sw.Elapsed.TotalSeconds:F0} s");
}

ctx.Out.WriteLine("## Summary");
ctx.Out.WriteLine();
var summary = new MarkdownTable("benchmark", "measure", "target", "measured", "result");
foreach (var t in ctx.Targets) summary.Add(t.Benchmark, t.What, t.Goal, t.Measured, t.Pass ? "PASS" : "MISS");
summary.Print(ctx.Out);
ctx.Out.WriteLine($"{ctx.Targets.Count(t => t.Pass)} of {ctx.Targets.Count} targets met; total time {total.Elapsed.TotalMinutes:F1} min.");
if (options.Quick) ctx.Out.WriteLine("(--quick uses small sizes: its PASS/MISS are indicative only; quote the full run.)");
return 0;
