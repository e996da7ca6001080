namespace Rewind.Cli.CommandLine;

/// <summary>The options every command takes, accepted anywhere on the line, and the tokens left for the command.</summary>
public sealed record GlobalOptions(string? Pool, bool Json, bool Help, bool Version, IReadOnlyList<string> Rest)
{
    public static GlobalOptions Parse(IReadOnlyList<string> args)
    {
        string? pool = null;
        bool json = false, help = false, version = false;
        var rest = new List<string>();
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--")
            {
                // Everything after "--" belongs to the command, untouched.
                rest.AddRange(args.Skip(i));
                break;
            }
            switch (a)
            {
                case "--json": json = true; break;
                case "--help" or "-h": help = true; break;
                case "--version": version = true; break;
                case "--pool":
                    if (i + 1 >= args.Count) throw new UsageException("option --pool needs a value (DIR)");
                    pool = args[++i];
                    break;
                default:
                    if (a.StartsWith("--pool=", StringComparison.Ordinal)) pool = a["--pool=".Length..];
                    else rest.Add(a);
                    break;
            }
        }
        if (pool is "") throw new UsageException("option --pool needs a directory");
        return new GlobalOptions(pool, json, help, version, rest);
    }
}
