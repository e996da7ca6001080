using Xunit.Sdk;

namespace Rewind.Nbd.Tests.Support;

/// <summary>
/// qemu 10's qemu-img and qemu-io, unpacked from Debian's bookworm-backports into the git-ignored
/// .build/qemu-backport by tests/tools/fetch-qemu-backport.sh (once; later runs reuse it). The system's
/// qemu 7.2 predates NBD extended headers; qemu 10 negotiates them. A failed fetch fails the test that
/// needs it, loudly, rather than skipping it.
/// </summary>
public static class QemuBackport
{
    private static readonly Lazy<string> Directory = new(Fetch, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The absolute path of a qemu 10 program (qemu-img, qemu-io, qemu-nbd).</summary>
    public static string Bin(string program) => Path.Combine(Directory.Value, "usr", "bin", program);

    private static string Fetch()
    {
        string root = RepositoryRoot();
        string script = Path.Combine(root, "tests", "tools", "fetch-qemu-backport.sh");
        string output = Path.Combine(root, ".build", "qemu-backport");
        var r = Tools.Run("bash", [script, output], TimeSpan.FromMinutes(5));
        if (r.ExitCode != 0) throw new XunitException(r.Describe(script));
        return output;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Rewind.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no Rewind.slnx above {AppContext.BaseDirectory}");
    }
}
