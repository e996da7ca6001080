using System.Diagnostics;
using System.Runtime.InteropServices;
using Xunit.Sdk;

namespace Rewind.Server.Tests.Support;

/// <summary>
/// `rewind serve` as its own process (the rewind.dll built beside the tests), so that it can be killed
/// with SIGKILL: no flush, no disposal, exactly what a crash leaves behind.
/// </summary>
public sealed class ServeProcess : IDisposable
{
    private const int SigKill = 9, SigTerm = 15;

    private readonly Process _process;
    private readonly Task<string> _stderr;
    private readonly Task<string> _stdoutRest;

    public string ApiSocket { get; }
    public string NbdSocket { get; }
    public int Pid => _process.Id;

    private ServeProcess(Process process, string poolDirectory, Task<string> stdoutRest)
    {
        _process = process;
        _stdoutRest = stdoutRest;
        _stderr = process.StandardError.ReadToEndAsync();
        ApiSocket = Path.Combine(poolDirectory, "api.sock");
        NbdSocket = Path.Combine(poolDirectory, "nbd.sock");
    }

    /// <summary>Starts the daemon on <paramref name="poolDirectory"/> (NBD on its unix socket only) and waits until it serves.</summary>
    public static async Task<ServeProcess> StartAsync(string poolDirectory, TimeSpan limit)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "rewind.dll");
        if (!File.Exists(dll)) throw new XunitException($"{dll} is missing: it is built with the tests (ProjectReference to src/Rewind.Cli)");
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--pool", poolDirectory, "serve", "--nbd-listen", "none" },
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        var process = Process.Start(start)!;
        // The daemon prints its endpoints once both servers listen; that line is the readiness signal
        // (the socket files of a killed predecessor may still be lying there).
        var firstLine = process.StandardOutput.ReadLineAsync();
        var ready = await Task.WhenAny(firstLine, Task.Delay(limit));
        var serve = new ServeProcess(process, poolDirectory, ready == firstLine ? process.StandardOutput.ReadToEndAsync() : Task.FromResult(""));
        string? line = ready == firstLine ? await firstLine : null;
        if (line == null || !line.StartsWith("rewind: serving pool", StringComparison.Ordinal))
        {
            serve.Kill();
            throw new XunitException($"rewind serve did not start within {limit.TotalSeconds} s: stdout '{line}', stderr: {await serve._stderr}");
        }
        return serve;
    }

    /// <summary>SIGKILL: the daemon gets no chance to flush or close anything.</summary>
    public void Kill()
    {
        if (_process.HasExited) return;
        if (kill(_process.Id, SigKill) != 0) throw new XunitException($"kill -KILL {_process.Id} failed: errno {Marshal.GetLastWin32Error()}");
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, the orderly stop; returns the exit code and what the daemon printed.</summary>
    public async Task<(int ExitCode, string Output)> StopAsync(TimeSpan limit)
    {
        if (kill(_process.Id, SigTerm) != 0) throw new XunitException($"kill -TERM {_process.Id} failed: errno {Marshal.GetLastWin32Error()}");
        using var timeout = new CancellationTokenSource(limit);
        try { await _process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            Kill();
            throw new XunitException($"rewind serve did not stop within {limit.TotalSeconds} s of SIGTERM");
        }
        return (_process.ExitCode, (await _stdoutRest) + await _stderr);
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
