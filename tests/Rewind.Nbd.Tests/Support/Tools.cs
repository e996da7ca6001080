using System.Diagnostics;
using Xunit.Sdk;

namespace Rewind.Nbd.Tests.Support;

public sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    public string Describe(string command) => $"{command}\nexit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}

/// <summary>
/// Runs the real NBD clients. A missing tool fails the test loudly, naming the Debian package that
/// provides it: these tests are the judges of the server and must never silently skip.
/// </summary>
public static class Tools
{
    private static readonly Dictionary<string, string> Packages = new()
    {
        ["qemu-img"] = "qemu-utils",
        ["qemu-io"] = "qemu-utils",
        ["nbdinfo"] = "libnbd-bin",
        ["nbdcopy"] = "libnbd-bin",
        ["nbdsh"] = "python3-libnbd",
        ["fio"] = "fio",
        ["cmp"] = "diffutils",
    };

    public static string Require(string tool)
    {
        foreach (var dir in SearchPath())
        {
            var path = Path.Combine(dir, tool);
            if (File.Exists(path)) return path;
        }
        throw new XunitException($"required tool '{tool}' is not installed: apt-get install {Packages.GetValueOrDefault(tool, tool)}");
    }

    /// <summary>/usr/bin first: nbdsh runs "python3", which must be the system one that has the nbd module.</summary>
    private static IEnumerable<string> SearchPath() =>
        new[] { "/usr/bin", "/bin", "/usr/local/bin" }.Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'));

    public static ToolResult Run(string tool, IEnumerable<string> args, TimeSpan? timeout = null, string? stdin = null)
    {
        var psi = new ProcessStartInfo(Require(tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin != null,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["PATH"] = "/usr/bin:/bin:" + Environment.GetEnvironmentVariable("PATH");
        psi.Environment["LIBNBD_DEBUG"] = "0";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin != null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        var limit = timeout ?? TimeSpan.FromSeconds(120);
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
            throw new XunitException($"{tool} {string.Join(' ', args)} did not finish within {limit.TotalSeconds}s\nstdout:\n{stdout.Result}\nstderr:\n{stderr.Result}");
        }
        return new ToolResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Runs a tool and fails the test, with its full output, unless it exits 0.</summary>
    public static ToolResult Ok(string tool, params string[] args)
    {
        var r = Run(tool, args);
        if (r.ExitCode != 0) throw new XunitException(r.Describe($"{tool} {string.Join(' ', args)}"));
        return r;
    }

    /// <summary>Runs a Python script under nbdsh (libnbd's shell); fails unless it exits 0.</summary>
    public static ToolResult NbdshScript(string script)
    {
        var file = Path.Combine(Path.GetTempPath(), $"rewind-nbdsh-{Guid.NewGuid():N}.py");
        File.WriteAllText(file, script);
        try
        {
            return Ok("nbdsh", "-c", $"exec(open('{file}').read())");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
