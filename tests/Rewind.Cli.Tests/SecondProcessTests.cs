using System.Diagnostics;
using Rewind.Engine;

namespace Rewind.Cli.Tests;

public class SecondProcessTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    /// <summary>Runs the built rewind.dll (copied beside the tests) in a child process.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunChild(string fileName, params string[] args)
    {
        var psi = new ProcessStartInfo(fileName, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr);
    }

    [Fact]
    public void ACommandOnAPoolHeldByAnotherProcessFailsNamingTheHolder()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "rewind.dll");
        Assert.True(File.Exists(dll), $"{dll} is built with the tests");
        using var pool = Pool.Open(_cli.PoolDir, new PoolOptions { HolderDescription = "the test holder" });

        var r = RunChild("dotnet", dll, "--pool", _cli.PoolDir, "volume", "list");
        Assert.True(r.ExitCode == 1, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.Contains($"pid {Environment.ProcessId}", r.Stderr);
        Assert.Contains("the test holder", r.Stderr);
        Assert.StartsWith("rewind: ", r.Stderr);

        var j = RunChild("dotnet", dll, "--pool", _cli.PoolDir, "--json", "status");
        Assert.Equal(1, j.ExitCode);
        Assert.Contains("\"kind\": \"busy\"", j.Stdout);
        Assert.Contains($"pid {Environment.ProcessId}", j.Stdout);
    }
}
