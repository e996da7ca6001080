using System.Text;
using System.Text.Json;

namespace Rewind.Cli.Tests;

/// <summary>Runs the CLI in-process against a temporary pool directory, capturing stdout and stderr.</summary>
public sealed class CliRunner : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("rewind-cli-").FullName;
    public string PoolDir => Path.Combine(Root, "pool");

    public string PathOf(string name) => Path.Combine(Root, name);

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
    }

    public Result Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var env = new Dictionary<string, string?> { ["HOME"] = Root };
        int code = Cli.Run(["--pool", PoolDir, .. args], stdout, stderr, env);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs a command that must succeed and returns its result.</summary>
    public Result Ok(params string[] args)
    {
        var r = Run(args);
        Assert.True(r.ExitCode == 0, $"rewind {string.Join(' ', args)} failed: {r}");
        return r;
    }

    public JsonElement Json(params string[] args) => Ok([.. args, "--json"]).Json;

    /// <summary>Runs "export NAME -" with a byte-stream stdout and returns the image.</summary>
    public byte[] ExportToStdout(string target)
    {
        var bytes = new MemoryStream();
        var stdout = new StreamWriter(bytes, new UTF8Encoding(false));
        var stderr = new StringWriter();
        int code = Cli.Run(["--pool", PoolDir, "export", target, "-"], stdout, stderr, new Dictionary<string, string?>());
        Assert.True(code == 0, stderr.ToString());
        return bytes.ToArray();
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}
