namespace Rewind.Cli.CommandLine;

/// <summary>
/// Everything the CLI knows about one command: how to call it, what it does (for --help), and the code
/// that runs it. Commands live in one table (<see cref="Commands.CommandTable"/>).
/// </summary>
/// <param name="Verb">The words that select the command, e.g. "volume create".</param>
/// <param name="Arguments">Positional arguments for the synopsis; optional ones are written in [brackets], and a
/// last one written "NAME..." takes one or more words.</param>
/// <param name="Summary">One line for the command list.</param>
/// <param name="Description">What it does, a few lines, for --help.</param>
/// <param name="Run">Runs the command and returns its exit code.</param>
public sealed record CommandSpec(
    string Verb,
    IReadOnlyList<string> Arguments,
    string Summary,
    string Description,
    IReadOnlyList<OptionSpec> Options,
    IReadOnlyList<string> Examples,
    Func<CommandContext, int> Run)
{
    public string[] Words { get; } = Verb.Split(' ');

    public int RequiredArguments => Arguments.Count(a => !a.StartsWith('['));

    /// <summary>The last argument is written "NAME..." (or "[NAME...]"): it takes any number of words.</summary>
    public bool TakesMany => Arguments.Count > 0 && Arguments[^1].TrimEnd(']').EndsWith("...", StringComparison.Ordinal);

    public string Usage
    {
        get
        {
            var parts = new List<string> { "rewind", Verb };
            parts.AddRange(Arguments);
            parts.AddRange(Options.Select(o => o.Name == RequiredOption ? o.Display : $"[{o.Display}]"));
            return string.Join(' ', parts);
        }
    }

    /// <summary>Commands that usually come next, shown by --help.</summary>
    public IReadOnlyList<string> Next { get; init; } = [];

    /// <summary>An option the command cannot run without (shown without brackets in the usage line).</summary>
    public string? RequiredOption { get; init; }

    public OptionSpec? FindOption(string name) => Options.FirstOrDefault(o => o.Name == name);
}
