using System.ComponentModel;
using System.Diagnostics;

namespace Rewind.Management.Hooks;

/// <summary>
/// A command hook's phase: its command under /bin/sh -c, with the snapshot described in REWIND_* variables.
/// A phase that outlives the hook's timeout has its whole process tree killed. Both output pipes are read
/// while the command runs, so a chatty command can never stall on a full pipe.
/// </summary>
internal static class CommandHook
{
    /// <summary>How long to wait for the pipes to close after the shell exited or was killed. A background
    /// process the command left behind may hold them open for ever; its output is then cut short.</summary>
    private static readonly TimeSpan OutputGrace = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan KillGrace = TimeSpan.FromSeconds(10);

    public static async Task<HookRun?> RunAsync(HookSpec hook, string phase, HookContext context, CancellationToken ct)
    {
        string? command = phase == HookPhase.Pre ? hook.PreCommand : hook.PostCommand;
        if (string.IsNullOrWhiteSpace(command)) return null;

        var clock = Stopwatch.StartNew();
        HookRun Finish(bool ok, string detail) => new(hook.Name, phase, clock.Elapsed, ok, detail);

        using var process = new Process { StartInfo = StartInfo(command, phase, context) };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return Finish(false, $"could not start /bin/sh: {e.Message}");
        }
        process.StandardInput.Close();
        var stdout = OutputTail.Capture(process.StandardOutput);
        var stderr = OutputTail.Capture(process.StandardError);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(hook.Timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            await KillTreeAsync(process);
            await OutputTail.WaitAsync(OutputGrace, stdout, stderr);
            ct.ThrowIfCancellationRequested();
            return Finish(false, $"timed out after {Durations.Describe(hook.Timeout)}; its process tree was killed"
                + OutputSuffix(stdout, stderr));
        }

        await OutputTail.WaitAsync(OutputGrace, stdout, stderr);
        int exitCode = process.ExitCode;
        return exitCode == 0
            ? Finish(true, "exited with code 0")
            : Finish(false, $"exited with code {exitCode}" + OutputSuffix(stdout, stderr));
    }

    private static ProcessStartInfo StartInfo(string command, string phase, HookContext context)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        start.Environment["REWIND_TARGET"] = context.Target;
        start.Environment["REWIND_SNAPSHOT"] = context.Snapshot;
        start.Environment["REWIND_VOLUMES"] = string.Join(' ', context.Volumes);
        start.Environment["REWIND_PHASE"] = phase;
        return start;
    }

    private static async Task KillTreeAsync(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            return; // it exited on its own just now
        }
        try
        {
            await process.WaitForExitAsync().WaitAsync(KillGrace);
        }
        catch (TimeoutException)
        {
            // A process stuck in the kernel (uninterruptible I/O) outlives SIGKILL for a while; the failed
            // run is reported now rather than holding every other hook frozen until it goes.
        }
    }

    /// <summary>"; stderr: ..." (or stdout when stderr is empty), for a failure's detail.</summary>
    private static string OutputSuffix(OutputTail stdout, OutputTail stderr)
    {
        string error = stderr.Text.Trim();
        if (error.Length > 0) return $"; stderr: {error}";
        string output = stdout.Text.Trim();
        return output.Length > 0 ? $"; stdout: {output}" : "; it printed nothing";
    }
}
