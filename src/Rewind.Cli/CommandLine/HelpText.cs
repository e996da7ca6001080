using Rewind.Cli.Commands;

namespace Rewind.Cli.CommandLine;

/// <summary>The text of 'rewind --help', 'rewind GROUP --help' and 'rewind VERB --help'.</summary>
public static class HelpText
{
    public static string Version =>
        typeof(HelpText).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public static void WriteOverview(TextWriter w)
    {
        w.WriteLine("rewind — copy-on-write volumes: snapshot, roll back, clone, import and export disk images;");
        w.WriteLine("         groups of volumes across pools snapshotted at one instant, quiesce hooks, schedules, holds");
        w.WriteLine();
        w.WriteLine("usage: rewind [--pool DIR] [--json] VERB [ARGS...]");
        w.WriteLine();
        w.WriteLine("commands:");
        WriteCommandList(w, CommandTable.All);
        w.WriteLine();
        WriteGlobalOptions(w);
        w.WriteLine();
        w.WriteLine("exit status: 0 ok, 1 the operation failed, 2 the command line is wrong");
        w.WriteLine("run 'rewind VERB --help' for a command's options and examples");
    }

    public static void WriteGroup(TextWriter w, string group, IReadOnlyList<CommandSpec> commands)
    {
        w.WriteLine($"usage: rewind {group} SUBCOMMAND ...");
        w.WriteLine();
        WriteCommandList(w, commands);
        w.WriteLine();
        w.WriteLine($"run 'rewind {group} SUBCOMMAND --help' for details");
    }

    public static void WriteCommand(TextWriter w, CommandSpec spec)
    {
        w.WriteLine($"usage: {spec.Usage}");
        w.WriteLine();
        w.WriteLine(spec.Summary + ".");
        w.WriteLine();
        foreach (var line in spec.Description.TrimEnd().Split('\n')) w.WriteLine("  " + line.TrimEnd());
        if (spec.Options.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("options:");
            int width = spec.Options.Max(o => o.Display.Length);
            foreach (var o in spec.Options) w.WriteLine($"  {o.Display.PadRight(width)}  {o.Help}");
        }
        if (spec.Examples.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("examples:");
            foreach (var e in spec.Examples) w.WriteLine("  " + e);
        }
        if (spec.Next.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("next:");
            foreach (var n in spec.Next) w.WriteLine("  " + n);
        }
        w.WriteLine();
        WriteGlobalOptions(w);
    }

    private static void WriteCommandList(TextWriter w, IEnumerable<CommandSpec> commands)
    {
        var list = commands.ToList();
        var synopses = list.Select(s => string.Join(' ', new[] { s.Verb }.Concat(s.Arguments))).ToList();
        int width = synopses.Max(s => s.Length);
        for (int i = 0; i < list.Count; i++) w.WriteLine($"  {synopses[i].PadRight(width)}  {list[i].Summary}");
    }

    private static void WriteGlobalOptions(TextWriter w)
    {
        w.WriteLine("global options (anywhere on the line):");
        w.WriteLine("  --pool DIR   the default pool's directory, which also holds the site's other pools, groups,");
        w.WriteLine("               schedules and audit log (default: $REWIND_POOL, else $XDG_DATA_HOME/rewind/default,");
        w.WriteLine("               else ~/.local/share/rewind/default)");
        w.WriteLine("  --json       print results as JSON objects (sizes in bytes) and errors as {\"error\": {...}}");
        w.WriteLine("  -h, --help   show help");
        w.WriteLine("  --version    show the version");
        w.WriteLine("volumes: NAME in the default pool, POOL/NAME in another ('rewind pool list')");
        w.WriteLine("sizes: 20G, 512M, 1.5T, 64K, 4096; units are binary (1K = 1024 bytes; GB and GiB both mean 2^30)");
    }
}
