using Rewind.Cli.Output;
using Rewind.Cli.Pools;

namespace Rewind.Cli.CommandLine;

/// <summary>What a running command gets: its arguments, where to print, and the pool (opened on first use).</summary>
public sealed class CommandContext(
    CommandSpec spec, ParsedArguments args, Printer printer, string poolDirectory, Func<string, IPoolApi> openPool,
    CancellationToken cancel) : IDisposable
{
    private IPoolApi? _pool;

    public CommandSpec Spec => spec;
    public ParsedArguments Args => args;
    public Printer Print => printer;
    public string PoolDirectory => poolDirectory;

    /// <summary>Set by Ctrl-C: long copies stop between chunks and clean up instead of dying mid-write.</summary>
    public CancellationToken Cancel => cancel;

    /// <summary>The pool, opened the first time a command asks and closed when the command ends.</summary>
    public IPoolApi Pool => _pool ??= openPool(poolDirectory);

    public void Dispose() => _pool?.Dispose();
}
