using System.Text.Json;
using Rewind.Cli.CommandLine;
using Rewind.Cli.Commands;
using Rewind.Cli.Output;
using Rewind.Cli.Sites;
using Rewind.Engine;

namespace Rewind.Cli;

/// <summary>
/// The whole command line as one call, so tests run it in-process and <c>Program</c> runs it on the real
/// console. Parses the global options, finds the command in <see cref="CommandTable"/>, runs it against
/// the site, and turns every failure into a message and an exit code:
/// 0 ok, 1 the operation failed (engine or I/O error), 2 the command line is wrong.
/// </summary>
public static class Cli
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    /// <param name="env">Environment variables (REWIND_POOL, XDG_DATA_HOME, HOME).</param>
    /// <param name="stderrIsTerminal">Draw progress bars on <paramref name="stderr"/>.</param>
    /// <param name="openRawStdout">Standard output as bytes (export to "-"); by default the stream under a StreamWriter stdout.</param>
    /// <param name="openSite">How a command reaches the site (default pool directory, holder description); by
    /// default through a running daemon's api.sock, else in this process.</param>
    /// <param name="cancel">Ctrl-C: import and export stop, remove what they half made, and exit with 1.</param>
    public static int Run(
        string[] args,
        TextWriter stdout,
        TextWriter stderr,
        IDictionary<string, string?> env,
        bool stderrIsTerminal = false,
        Func<Stream>? openRawStdout = null,
        Func<string, string, ISiteApi>? openSite = null,
        CancellationToken cancel = default)
    {
        bool json = args.Contains("--json");
        try
        {
            var global = GlobalOptions.Parse(args);
            var printer = new Printer(stdout, stderr, global.Json, stderrIsTerminal, openRawStdout ?? (() => RawStreamOf(stdout)));
            return Dispatch(global, printer, env, openSite ?? OpenSite, cancel);
        }
        catch (UsageException e)
        {
            return ReportUsage(stdout, stderr, json, e.Message, null);
        }
        finally
        {
            stdout.Flush();
            stderr.Flush();
        }
    }

    /// <summary>Through a running daemon's API socket when one holds the site, else in this process.</summary>
    private static ISiteApi OpenSite(string directory, string holderDescription) =>
        (ISiteApi?)RemoteSite.TryConnect(Path.Combine(directory, "api.sock")) ?? LocalSite.Open(directory, holderDescription);

    /// <summary>Opens the site and passes on what opening it had to settle (a daemon logs these itself).</summary>
    private static ISiteApi OpenAndReport(Func<string, string, ISiteApi> openSite, string directory, string holder, Printer printer)
    {
        var site = openSite(directory, holder);
        if (site is LocalSite local)
            foreach (var note in local.OpenNotes) printer.Err.WriteLine($"rewind: {note}");
        return site;
    }

    private static int Dispatch(
        GlobalOptions global, Printer printer, IDictionary<string, string?> env, Func<string, string, ISiteApi> openSite, CancellationToken cancel)
    {
        var tokens = global.Rest.ToList();
        bool help = global.Help;
        if (tokens.Count > 0 && tokens[0] == "help")
        {
            tokens.RemoveAt(0);
            help = true;
        }
        if (global.Version)
        {
            if (printer.Json) printer.WriteJson(new { version = HelpText.Version });
            else printer.Line($"rewind {HelpText.Version}");
            return Ok;
        }
        if (tokens.Count == 0)
        {
            if (!help && printer.Json) return ReportUsage(printer.Out, printer.Err, true, "no command given", "see 'rewind --help'");
            HelpText.WriteOverview(help ? printer.Out : printer.Err);
            return help ? Ok : Usage;
        }

        var (spec, wordsUsed) = CommandTable.Find(tokens);
        if (spec == null)
        {
            var group = CommandTable.InGroup(tokens[0]);
            if (group.Count > 0 && tokens.Count == 1 && !help && printer.Json)
                return ReportUsage(printer.Out, printer.Err, true, $"'{tokens[0]}' needs a subcommand", $"see 'rewind {tokens[0]} --help'");
            if (group.Count > 0 && (help || tokens.Count == 1))
            {
                HelpText.WriteGroup(help ? printer.Out : printer.Err, tokens[0], group);
                return help ? Ok : Usage;
            }
            string unknown = group.Count > 0 ? $"{tokens[0]} {tokens[1]}" : tokens[0];
            string hint = group.Count > 0 ? $"rewind {tokens[0]} --help" : "rewind --help";
            return ReportUsage(printer.Out, printer.Err, printer.Json, $"unknown command '{unknown}'", $"see '{hint}'");
        }
        if (help)
        {
            HelpText.WriteCommand(printer.Out, spec);
            return Ok;
        }

        ParsedArguments parsed;
        try
        {
            parsed = ParsedArguments.Parse(spec, tokens.Skip(wordsUsed).ToList());
        }
        catch (UsageException e)
        {
            return ReportUsage(printer.Out, printer.Err, printer.Json, e.Message, spec);
        }

        string poolDirectory = PoolLocation.Resolve(global.Pool, env);
        using var context = new CommandContext(spec, parsed, printer, poolDirectory, dir => OpenAndReport(openSite, dir, $"rewind {spec.Verb}", printer), cancel);
        try
        {
            return spec.Run(context);
        }
        catch (UsageException e)
        {
            return ReportUsage(printer.Out, printer.Err, printer.Json, e.Message, spec);
        }
        catch (RewindException e)
        {
            return ReportFailure(printer, JsonNamingPolicy.CamelCase.ConvertName(e.Kind.ToString()), e.Message);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return ReportFailure(printer, "interrupted", $"interrupted; 'rewind {spec.Verb}' did not finish");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ReportFailure(printer, "io", e.Message);
        }
        catch (Exception e)
        {
            // A bug, not an operational error: keep exit status 1 for scripts, but show everything.
            printer.Err.WriteLine($"rewind: internal error, please report it: {e}");
            return ReportFailure(printer, "internal", $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static int ReportFailure(Printer printer, string kind, string message)
    {
        if (printer.Json) printer.WriteJson(new { error = new { kind, message } });
        else printer.Err.WriteLine($"rewind: {message}");
        return Failed;
    }

    private static int ReportUsage(TextWriter stdout, TextWriter stderr, bool json, string message, CommandSpec? spec)
    {
        string hint = spec == null ? "see 'rewind --help'" : $"see 'rewind {spec.Verb} --help'";
        return ReportUsage(stdout, stderr, json, message, hint, spec?.Usage);
    }

    private static int ReportUsage(TextWriter stdout, TextWriter stderr, bool json, string message, string hint, string? usage = null)
    {
        if (json)
        {
            stdout.WriteLine(JsonSerializer.Serialize(new { error = new { kind = "usage", message, usage } }, Printer.JsonOptions));
            return Usage;
        }
        stderr.WriteLine($"rewind: {message}");
        if (usage != null) stderr.WriteLine($"usage: {usage}");
        stderr.WriteLine(hint);
        return Usage;
    }

    private static Stream RawStreamOf(TextWriter stdout) =>
        stdout is StreamWriter writer
            ? writer.BaseStream
            : throw new RewindException(ErrorKind.InvalidArgument, "standard output is not a byte stream here; give a file name instead of '-'");
}
