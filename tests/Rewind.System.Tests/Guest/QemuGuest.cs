using System.Diagnostics;
using System.Text.RegularExpressions;
using Rewind.System.Tests.Support;

namespace Rewind.System.Tests.Guest;

/// <summary>
/// Boots the guest under qemu-system-x86_64 (TCG, no KVM needed) with its root disk on an NBD export,
/// waits until it powers off, and returns what its serial console said. The boot limit only stops a
/// hung guest; the tests assert on what the guest printed, never on how long it took.
/// </summary>
internal static partial class QemuGuest
{
    /// <summary>Generous: a TCG boot takes ~10-20 s alone, several times that with three guests on two cores.</summary>
    private static readonly TimeSpan BootLimit = TimeSpan.FromMinutes(4);

    public static string NbdUnixDrive(string socketPath, string export) => $"nbd+unix:///{export}?socket={socketPath}";

    public static string NbdTcpDrive(string host, int port, string export) => $"nbd://{host}:{port}/{export}";

    /// <summary>
    /// qemu-system-x86_64 (TCG, 256 MiB, serial console on stdout, no network, exits instead of
    /// rebooting) booting <paramref name="image"/> with <paramref name="driveUri"/> as /dev/vda.
    /// </summary>
    /// <param name="kernelArguments">Appended to the kernel command line.</param>
    /// <param name="moreArguments">Further qemu arguments (devices, more drives).</param>
    public static ProcessStartInfo StartInfo(GuestImage image, string kernelArguments, string driveUri, IEnumerable<string> moreArguments)
    {
        string qemu = ExternalCommand.FindOnPath("qemu-system-x86_64")
            ?? throw new InvalidOperationException(
                "qemu-system-x86_64 is not installed (Debian package qemu-system-x86); the system tests need it");
        var start = new ProcessStartInfo(qemu)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        string append = ("console=ttyS0 root=/dev/vda rw panic=-1 quiet " + kernelArguments).TrimEnd();
        foreach (string argument in new[]
                 {
                     "-machine", "q35", "-accel", "tcg", "-m", "256",
                     "-nographic", "-no-reboot", "-nic", "none",
                     "-kernel", image.KernelPath, "-initrd", image.InitramfsPath, "-append", append,
                     "-drive", $"file={driveUri},format=raw,if=virtio",
                 }.Concat(moreArguments))
        {
            start.ArgumentList.Add(argument);
        }
        return start;
    }

    /// <param name="name">Names the boot in reports.</param>
    /// <param name="driveUri">The root disk, an NBD URI (see <see cref="NbdUnixDrive"/>, <see cref="NbdTcpDrive"/>) or a raw file.</param>
    /// <param name="writeMarker">When set, the guest writes this value to /marker before powering off.</param>
    public static async Task<BootReport> BootAsync(string name, string driveUri, string? writeMarker = null)
    {
        if (writeMarker != null && !MarkerValue().IsMatch(writeMarker))
            throw new ArgumentException($"marker '{writeMarker}' must be [A-Za-z0-9_-]+ to pass on a kernel command line");
        var start = StartInfo(GuestImage.Instance, writeMarker == null ? "" : $"rewind.write_marker={writeMarker}", driveUri, []);

        var lines = new List<string>();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (lines) lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (lines) lines.Add("qemu: " + e.Data); };
        var clock = Stopwatch.StartNew();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var limit = new CancellationTokenSource(BootLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (lines)
            {
                throw new TimeoutException(
                    $"guest {name} did not power off within {BootLimit}\n" + new BootReport(name, -1, lines, clock.Elapsed).Transcript);
            }
        }
        process.WaitForExit(); // drains the asynchronous output readers
        lock (lines) return new BootReport(name, process.ExitCode, lines.ToList(), clock.Elapsed);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex MarkerValue();
}
