using Rewind.System.Tests.Support;

namespace Rewind.System.Tests.Guest;

/// <summary>
/// The guest-agent variant of the test guest, built by tests/guest/build-guest-agent.sh into the
/// git-ignored .build/guest-agent: the base guest's kernel and initramfs, and a root filesystem that also
/// runs Debian's qemu-ga when the kernel command line says rewind.agent=on (tests/guest/agent-init.sh).
/// Built once per test run; the script skips the build when its inputs have not changed.
/// </summary>
internal sealed class GuestAgentImage
{
    private static readonly Lazy<GuestAgentImage> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static GuestAgentImage Instance => Built.Value;

    public string KernelPath { get; }
    public string InitramfsPath { get; }
    public string RootFilesystemPath { get; }

    private GuestAgentImage(string directory)
    {
        KernelPath = Path.Combine(directory, "vmlinuz");
        InitramfsPath = Path.Combine(directory, "initramfs.img");
        RootFilesystemPath = Path.Combine(directory, "rootfs.img");
    }

    private static GuestAgentImage Build()
    {
        string script = Path.Combine(RepositoryRoot.Path, "tests", "guest", "build-guest-agent.sh");
        string outputDirectory = Path.Combine(RepositoryRoot.Path, ".build", "guest-agent");
        string baseDirectory = Path.Combine(RepositoryRoot.Path, ".build", "guest");
        var result = ExternalCommand.Run("bash", script, outputDirectory, baseDirectory);
        if (result.ExitCode != 0) throw new InvalidOperationException(result.Describe(script));

        var image = new GuestAgentImage(outputDirectory);
        foreach (string file in new[] { image.KernelPath, image.InitramfsPath, image.RootFilesystemPath })
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"{script} did not produce {file}", file);
        }
        return image;
    }
}
