namespace Rewind.Bench;

/// <summary>Command-line options: <c>--quick</c>, <c>--only NAME</c> (repeatable), <c>--dir DIR</c>.</summary>
internal sealed record BenchOptions(bool Quick, IReadOnlySet<string> Only, string Directory)
{
    public static readonly string[] Names = ["io", "latency", "depth", "mapmem"];

    public bool Selected(string name) => Only.Count == 0 || Only.Contains(name);

    public static BenchOptions Parse(string[] args)
    {
        bool quick = false;
        var only = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string dir = Path.GetTempPath();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--only":
                    string name = Next(args, ref i, "--only");
                    foreach (var n in name.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!Names.Contains(n, StringComparer.OrdinalIgnoreCase))
                            throw new ArgumentException($"unknown benchmark '{n}'; choose from {string.Join(", ", Names)}");
                        only.Add(n.ToLowerInvariant());
                    }
                    break;
                case "--dir": dir = Next(args, ref i, "--dir"); break;
                case "-h" or "--help": throw new ArgumentException("");
                default: throw new ArgumentException($"unknown option '{args[i]}'");
            }
        }
        return new BenchOptions(quick, only, dir);
    }

    private static string Next(string[] args, ref int i, string option) =>
        ++i < args.Length ? args[i] : throw new ArgumentException($"{option} needs a value");

    public const string Usage =
        "usage: Rewind.Bench [--quick] [--only io|latency|depth|mapmem[,..]] [--dir DIR]\n" +
        "  --quick   small sizes: a smoke run in under a minute\n" +
        "  --only    run just these benchmarks (comma-separated or repeated)\n" +
        "  --dir     where the temporary pools go (default: the system temp dir); must be a real filesystem";
}
