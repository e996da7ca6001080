using System.Text.Json;
using Rewind.Nbd.Tests.Support;

namespace Rewind.Nbd.Tests;

/// <summary>
/// qemu 10 (from bookworm-backports, see QemuBackport) negotiates NBD extended headers with the server:
/// pattern writes and reads past 4 GiB, a sparse image converted in and compared back, and its block
/// status map, all over extended headers; and the system's qemu 7.2 still gets structured replies.
/// </summary>
public sealed class QemuExtendedHeaderTests
{
    private const long MiB = 1024 * 1024, GiB = 1024 * MiB;

    [Fact]
    public async Task Qemu10ReadsWritesAndMapsOverExtendedHeaders()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("big", 6 * GiB);
        string qemuIo = QemuBackport.Bin("qemu-io"), qemuImg = QemuBackport.Bin("qemu-img");

        var io = Tools.Ok(qemuIo, "-f", "raw",
            "-c", "write -P 0x5a 5G 192k",
            "-c", "write -P 0x33 5368809120 512",   // unaligned, inside that run
            "-c", "read -P 0x5a 5G 64k",
            "-c", "read -P 0x33 5368809120 512",
            "-c", "read -P 0 4G 1M",                // a hole: comes back as a hole chunk
            "-c", "read -P 0 5368705024 4k",     // the 4 KiB just before the data
            s.UnixUri("big"));
        Assert.DoesNotContain("verification failed", io.Stdout + io.Stderr);
        lock (s.Log) Assert.Contains(s.Log, l => l.Contains("serving big (read-write, extended headers)"));

        var map = JsonDocument.Parse(Tools.Ok(qemuImg, "map", "--output=json", "-f", "raw", s.UnixUri("big")).Stdout)
            .RootElement.EnumerateArray()
            .Select(e => (Start: e.GetProperty("start").GetInt64(), Length: e.GetProperty("length").GetInt64(), Data: e.GetProperty("data").GetBoolean()))
            .ToList();
        Assert.Equal(6 * GiB, map.Sum(e => e.Length));
        var data = Assert.Single(map, e => e.Data);
        Assert.Equal((5 * GiB, 192 * 1024L), (data.Start, data.Length)); // three 64 KiB clusters
        Assert.Equal(5 * GiB, Assert.Single(map, e => e.Start == 0).Length); // one 5 GiB run ahead of it
    }

    [Fact]
    public async Task Qemu10ConvertsASparseImageInAndComparesItBack()
    {
        await using var s = await ServerFixture.StartAsync();
        long size = 64 * MiB;
        var image = s.TempFile("src.raw");
        SparseImage.Write(image, size, seed: 5);
        s.Pool.CreateVolume("disk", size);
        using (var h = s.Pool.Open("disk")) h.Write(20 * MiB, new byte[MiB].Select(_ => (byte)9).ToArray()); // must be zeroed
        string qemuImg = QemuBackport.Bin("qemu-img");

        Tools.Ok(qemuImg, "convert", "-n", "-f", "raw", "-O", "raw", image, s.UnixUri("disk"));
        Tools.Ok(qemuImg, "compare", "-f", "raw", "-F", "raw", image, s.UnixUri("disk"));
        var back = s.TempFile("back.raw");
        Tools.Ok(qemuImg, "convert", "-f", "raw", "-O", "raw", s.UnixUri("disk"), back);
        Assert.True(File.ReadAllBytes(image).AsSpan().SequenceEqual(File.ReadAllBytes(back)), "the image read back differs");
        lock (s.Log) Assert.Contains(s.Log, l => l.Contains("serving disk (read-write, extended headers)"));
    }

    [Fact]
    public async Task SystemQemuWithoutExtendedHeadersStillGetsStructuredReplies()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("v", 16 * MiB);
        var io = Tools.Ok("qemu-io", "-f", "raw", "-c", "write -P 0x11 1M 4k", "-c", "read -P 0x11 1M 4k", "-c", "read -P 0 2M 1M", s.UnixUri("v"));
        Assert.DoesNotContain("verification failed", io.Stdout + io.Stderr);
        Assert.Contains("version 7.", Tools.Ok("qemu-io", "--version").Stdout);
        lock (s.Log) Assert.Contains(s.Log, l => l.Contains("serving v (read-write, structured replies)"));
    }
}
