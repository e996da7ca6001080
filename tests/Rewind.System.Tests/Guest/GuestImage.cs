using Rewind.System.Tests.Support;

namespace Rewind.System.Tests.Guest;

/// <summary>
/// The guest built by tests/guest/build-guest.sh: a Debian kernel, an initramfs that mounts /dev/vda,
/// and a raw ext4 root filesystem image. Built once per test run into the repository's git-ignored
/// .build/guest (the script itself skips the build when its inputs have not changed). A missing tool or
/// a failed build throws, so every system test fails loudly instead of being skipped.
/// </summary>
internal sealed class GuestImage
{
    private static readonly Lazy<GuestImage> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    public static GuestImage Instance => Built.Value;

    public string KernelPath { get; }
    public string InitramfsPath { get; }
    public string RootFilesystemPath { get; }

    private GuestImage(string directory)
    {
        KernelPath = Path.Combine(directory, "vmlinuz");
        InitramfsPath = Path.Combine(directory, "initramfs.img");
        RootFilesystemPath = Path.Combine(directory, "rootfs.img");
    }

    private static GuestImage Build()
    {
        string script = Path.Combine(RepositoryRoot.Path, "tests", "guest", "build-guest.sh");
        string outputDirectory = Path.Combine(RepositoryRoot.Path, ".build", "guest");
        var result = ExternalCommand.Run("bash", script, outputDirectory);
        if (result.ExitCode != 0) throw new InvalidOperationException(result.Describe(script));

        var image = new GuestImage(outputDirectory);
        foreach (string file in new[] { image.KernelPath, image.InitramfsPath, image.RootFilesystemPath })
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"{script} did not produce {file}", file);
        }
        return image;
    }
}
