using Rewind.Nbd.Tests.Support;

namespace Rewind.Nbd.Tests;

/// <summary>qemu-img and qemu-io against the server: the clients VMs and image tooling use.</summary>
public sealed class QemuClientTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task QemuImgConvertsARawImageIntoAVolumeOverTheUnixSocketAndComparesEqual()
    {
        await using var s = await ServerFixture.StartAsync();
        long size = 16 * MiB;
        var image = s.TempFile("src.raw");
        SparseImage.Write(image, size, seed: 1);
        s.Pool.CreateVolume("disk", size);

        Tools.Ok("qemu-img", "convert", "-n", "-f", "raw", "-O", "raw", image, s.UnixUri("disk"));
        Tools.Ok("qemu-img", "compare", "-f", "raw", "-F", "raw", image, s.UnixUri("disk"));

        // And the bytes really are in the volume, read back through the engine.
        using var h = s.Pool.Open("disk");
        var expected = new byte[200_000];
        using (var f = File.OpenRead(image)) { f.Position = 3 * MiB + 4097; f.ReadExactly(expected); }
        var actual = new byte[expected.Length];
        h.Read(3 * MiB + 4097, actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task QemuImgConvertsAQcow2ImageIntoAVolumeOverTcpAndComparesEqual()
    {
        await using var s = await ServerFixture.StartAsync();
        long size = 16 * MiB;
        var raw = s.TempFile("src.raw");
        var qcow = s.TempFile("src.qcow2");
        SparseImage.Write(raw, size, seed: 2);
        Tools.Ok("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, qcow);
        s.Pool.CreateVolume("vm", size);

        Tools.Ok("qemu-img", "convert", "-n", "-f", "qcow2", "-O", "raw", qcow, s.TcpUri("vm"));
        Tools.Ok("qemu-img", "compare", "-f", "qcow2", "-F", "raw", qcow, s.TcpUri("vm"));

        // Back out again to a fresh file, through the snapshot export this time.
        s.Pool.CreateSnapshot("vm", "copied");
        var back = s.TempFile("back.raw");
        Tools.Ok("qemu-img", "convert", "-f", "raw", "-O", "raw", s.TcpUri("vm@copied"), back);
        Assert.Equal(File.ReadAllBytes(raw), File.ReadAllBytes(back));
    }

    [Fact]
    public async Task QemuIoWritesAndReadsPatternsAtUnalignedOffsets()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("io", 8 * MiB);
        var uri = s.TcpUri("io");

        var r = Tools.Ok("qemu-io", "-f", "raw", uri,
            "-c", "write -P 0xab 1000 5000",
            "-c", "write -P 0xcd 65535 131074",
            "-c", "write -z 70000 1000",
            "-c", "read -P 0xab 1000 5000",
            "-c", "read -P 0xcd 65535 4465",
            "-c", "read -P 0x00 70000 1000",
            "-c", "read -P 0xcd 71000 125609",
            "-c", "read -P 0x00 0 1000",
            "-c", "flush");
        Assert.DoesNotContain("Pattern verification failed", r.Stdout + r.Stderr);

        // A second process sees the same bytes (nothing lives only in a connection).
        var again = Tools.Ok("qemu-io", "-f", "raw", "-r", uri, "-c", "read -P 0xab 1000 5000", "-c", "read -P 0x00 6000 59535");
        Assert.DoesNotContain("Pattern verification failed", again.Stdout + again.Stderr);

        using var h = s.Pool.Open("io");
        var buf = new byte[5000];
        h.Read(1000, buf);
        Assert.All(buf, b => Assert.Equal(0xab, b));
    }
}
