using Rewind.System.Tests.Support;

namespace Rewind.System.Tests.Guest;

/// <summary>
/// A test guest: a Debian kernel, an initramfs that mounts /dev/vda, and a raw ext4 root filesystem
/// image, built into the repository's git-ignored .build by a script under tests/guest (which skips the
/// build when its inputs have not changed). Each variant is built once per test run. A missing tool or a
/// failed build throws, so every system test fails loudly instead of being skipped.
/// </summary>
internal sealed class GuestImage
{
    private static readonly Lazy<GuestImage> Base = new(
        () => Build("build-guest.sh", "guest"), LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>tests/guest/build-guest-agent.sh: the base guest's kernel and initramfs, and a root filesystem that also runs Debian's qemu-ga when the kernel command line says rewind.agent=on (tests/guest/agent-init.sh).</summary>
    private static readonly Lazy<GuestImage> Agent = new(
        () => Build("build-guest-agent.sh", "guest-agent", Path.Combine(RepositoryRoot.Path, ".build", "guest")),
        LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The guest of tests/guest/build-guest.sh.</summary>
    public static GuestImage Instance => Base.Value;

    /// <summary>The guest that runs qemu-guest-agent.</summary>
    public static GuestImage WithAgent => Agent.Value;

    public string KernelPath { get; }
    public string InitramfsPath { get; }
    public string RootFilesystemPath { get; }

    private GuestImage(string directory)
    {
        KernelPath = Path.Combine(directory, "vmlinuz");
        InitramfsPath = Path.Combine(directory, "initramfs.img");
        RootFilesystemPath = Path.Combine(directory, "rootfs.img");
    }

    private static GuestImage Build(string scriptName, string outputName, params string[] extraArguments)
    {
        string script = Path.Combine(RepositoryRoot.Path, "tests", "guest", scriptName);
        string outputDirectory = Path.Combine(RepositoryRoot.Path, ".build", outputName);
        var result = ExternalCommand.Run("bash", [script, outputDirectory, .. extraArguments]);
        if (result.ExitCode != 0) throw new InvalidOperationException(result.Describe(script));

        var image = new GuestImage(outputDirectory);
        foreach (string file in new[] { image.KernelPath, image.InitramfsPath, image.RootFilesystemPath })
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"{script} did not produce {file}", file);
        }
        return image;
    }
}
