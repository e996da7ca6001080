using System.Collections;
using Rewind.Cli;

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
