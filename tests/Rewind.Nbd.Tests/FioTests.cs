using Rewind.Nbd.Tests.Support;

namespace Rewind.Nbd.Tests;

public sealed class FioTests
{
    [Fact]
    public async Task FioRandomWritesThroughTheNbdEngineVerifyWithCrc32c()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("fio", 64L * 1024 * 1024);
        var r = Tools.Ok("fio",
            "--name=randwrite-verify", "--ioengine=nbd", $"--uri={s.TcpUri("fio")}",
            "--rw=randwrite", "--bsrange=4k-128k", "--size=64m", "--iodepth=16",
            "--verify=crc32c", "--verify_fatal=1", "--do_verify=1", "--randseed=1234",
            "--output-format=normal");
        Assert.DoesNotContain("verify:", r.Stderr);
        Assert.Contains("randwrite-verify", r.Stdout);
        Assert.Contains("err= 0", r.Stdout);
    }
}
