using System.Diagnostics;

namespace Rewind.System.Tests.Support;

/// <summary>Runs a program to completion and captures what it printed.</summary>
internal static class ExternalCommand
{
    public sealed record Result(int ExitCode, string StandardOutput, string StandardError)
    {
        public string Describe(string what) =>
            $"{what} exited with {ExitCode}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
    }

    public static Result Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        // Both streams are drained concurrently so neither pipe can fill up and stall the program.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The full path of a program on PATH, or null.</summary>
    public static string? FindOnPath(string program)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            if (dir.Length == 0) continue;
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
