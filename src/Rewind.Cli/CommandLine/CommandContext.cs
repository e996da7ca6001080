using Rewind.Cli.Output;
using Rewind.Cli.Sites;

namespace Rewind.Cli.CommandLine;

/// <summary>What a running command gets: its arguments, where to print, and the site (opened on first use).</summary>
public sealed class CommandContext(
    CommandSpec spec, ParsedArguments args, Printer printer, string poolDirectory, Func<string, ISiteApi> openSite,
    CancellationToken cancel) : IDisposable
{
    private ISiteApi? _site;

    public CommandSpec Spec => spec;
    public ParsedArguments Args => args;
    public Printer Print => printer;

    /// <summary>The default pool's directory (--pool DIR), where the site's own files live.</summary>
    public string PoolDirectory => poolDirectory;

    /// <summary>Set by Ctrl-C: long copies stop between chunks and clean up instead of dying mid-write.</summary>
    public CancellationToken Cancel => cancel;

    /// <summary>The site, opened the first time a command asks and closed when the command ends.</summary>
    public ISiteApi Site => _site ??= openSite(poolDirectory);

    public void Dispose() => _site?.Dispose();
}
