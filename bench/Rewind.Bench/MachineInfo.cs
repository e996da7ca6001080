using System.Diagnostics;

namespace Rewind.Bench;

/// <summary>The machine description printed above the results: CPUs, memory, and the pool filesystem.</summary>
internal static class MachineInfo
{
    public static void Print(TextWriter o, string directory)
    {
        o.WriteLine($"- date (UTC): {DateTime.UtcNow:yyyy-MM-dd HH:mm}");
        o.WriteLine($"- CPUs (Environment.ProcessorCount / nproc): {Environment.ProcessorCount}");
        o.WriteLine($"- CPU model: {CpuModel()}");
        o.WriteLine($"- memory: {MemTotal()}");
        o.WriteLine($"- pool directory: {Path.GetFullPath(directory)} on {Filesystem(directory)}");
        o.WriteLine($"- runtime: .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        o.WriteLine();
    }

    private static string CpuModel() =>
        TryRead("/proc/cpuinfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown";

    private static string MemTotal() =>
        TryRead("/proc/meminfo")?.Split('\n').FirstOrDefault(l => l.StartsWith("MemTotal"))?.Split(':', 2)[1].Trim() ?? "unknown";

    /// <summary>Filesystem type and device from `df -T` (present on every Linux box we run on).</summary>
    private static string Filesystem(string directory)
    {
        try
        {
            var psi = new ProcessStartInfo("df", ["-T", "-h", Path.GetFullPath(directory)]) { RedirectStandardOutput = true };
            using var proc = Process.Start(psi)!;
            var lines = proc.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            proc.WaitForExit();
            var f = lines.Length > 1 ? lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries) : [];
            return f.Length >= 5 ? $"{f[1]} ({f[0]}, {f[2]} total, {f[4]} free)" : "unknown";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException) { return "unknown"; }
    }

    private static string? TryRead(string path)
    {
        try { return File.ReadAllText(path); } catch (IOException) { return null; }
    }
}
