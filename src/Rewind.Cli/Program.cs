using System.Collections;
using Rewind.Cli;

// Socket completions run on the event thread instead of hopping to the thread pool first: the NBD
// receive loop only parses headers and hands requests off, and the hop cost about a fifth of the CPU of
// a 4 KiB request (bench/nbd-peers.sh). Read once, when the first socket is used; an explicit setting wins.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") == null)
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");

var env = new Dictionary<string, string?>(StringComparer.Ordinal);
foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables()) env[(string)entry.Key] = (string?)entry.Value;

// The first Ctrl-C asks the command to stop cleanly (the pool is closed, partial files removed);
// a second one kills the process as usual (the pool recovers on its next open).
using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (interrupted.IsCancellationRequested) return;
    e.Cancel = true;
    interrupted.Cancel();
};

return Cli.Run(args, Console.Out, Console.Error, env,
    stderrIsTerminal: !Console.IsErrorRedirected,
    openRawStdout: Console.OpenStandardOutput,
    cancel: interrupted.Token);
