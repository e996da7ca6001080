using System.Diagnostics;
using Rewind.System.Tests.Support;

namespace Rewind.System.Tests.Guest;

/// <summary>
/// The guest-agent guest running under qemu-system-x86_64 (TCG) with its root disk on an NBD export and
/// qemu-ga's virtio-serial port on a unix socket. Unlike <see cref="QemuGuest"/> it stays up: a test
/// waits for console lines, talks to the agent, and then waits for the guest to power off (it does when
/// the agent's guest-shutdown asks it to). Disposing kills a guest that is still running.
/// </summary>
internal sealed class AgentGuest : IAsyncDisposable
{
    /// <summary>Lines after which the guest never gets to what a test waits for.</summary>
    private static readonly string[] FailureTokens = ["AGENT-FAILED", "INITRAMFS-FAILED", "Kernel panic"];

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name { get; }

    private AgentGuest(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <param name="driveUri">The root disk (/dev/vda): an NBD URI (<see cref="QemuGuest.NbdUnixDrive"/>) or a raw file.</param>
    /// <param name="agentSocket">Where qemu listens for the host side of org.qemu.guest_agent.0 (at most 107 bytes).</param>
    /// <param name="dataDriveUris">More virtio disks, /dev/vdb onwards in this order; the guest's init leaves them alone.</param>
    public static AgentGuest Start(string name, GuestImage image, string driveUri, string agentSocket, IReadOnlyList<string>? dataDriveUris = null)
    {
        var more = new List<string>
        {
            "-chardev", $"socket,path={agentSocket},server=on,wait=off,id=qga0",
            "-device", "virtio-serial",
            "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
        };
        foreach (string dataDrive in dataDriveUris ?? []) more.AddRange(["-drive", $"file={dataDrive},format=raw,if=virtio"]);
        var start = QemuGuest.StartInfo(image, "rewind.agent=on", driveUri, more);

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var guest = new AgentGuest(name, process);
        process.OutputDataReceived += (_, e) => { if (e.Data != null) guest.Record(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) guest.Record("qemu: " + e.Data); };
        process.Exited += (_, _) => guest.Signal();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return guest;
    }

    /// <summary>The first console line holding <paramref name="token"/>; throws if the guest fails, exits or takes too long first.</summary>
    public async Task<string> WaitForConsoleAsync(string token, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            Task changed;
            lock (_lines)
            {
                string? found = _lines.FirstOrDefault(l => l.Contains(token, StringComparison.Ordinal));
                if (found != null) return found;
                string? failure = _lines.FirstOrDefault(l => FailureTokens.Any(f => l.Contains(f, StringComparison.Ordinal)));
                if (failure != null) throw new InvalidOperationException($"guest {Name} failed before printing {token}: {failure}\n{Transcript}");
                if (_process.HasExited) throw new InvalidOperationException($"guest {Name} exited before printing {token}\n{Transcript}");
                changed = _changed.Task;
            }
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(remaining)) != changed)
                throw new TimeoutException($"guest {Name} did not print {token} within {limit}\n{Transcript}");
        }
    }

    /// <summary>Waits for qemu to exit (the guest powered off) and returns what its console said.</summary>
    public async Task<BootReport> WaitForExitAsync(TimeSpan limit)
    {
        using var cancel = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"guest {Name} did not power off within {limit}\n{Transcript}");
        }
        _process.WaitForExit(); // drains the asynchronous output readers
        lock (_lines) return new BootReport(Name, _process.ExitCode, _lines.ToList(), _clock.Elapsed);
    }

    public string Transcript
    {
        get
        {
            lock (_lines) return new BootReport(Name, _process.HasExited ? _process.ExitCode : -1, _lines.ToList(), _clock.Elapsed).Transcript;
        }
    }

    private void Record(string line)
    {
        lock (_lines) _lines.Add(line);
        Signal();
    }

    private void Signal()
    {
        TaskCompletionSource changed;
        lock (_lines)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                _process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // it exited on its own just now
            }
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
