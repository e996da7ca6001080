using Rewind.Cli.CommandLine;

namespace Rewind.Cli.Tests;

public class SizesTests
{
    [Theory]
    [InlineData("4096", 4096L)]
    [InlineData("64K", 64L << 10)]
    [InlineData("64k", 64L << 10)]
    [InlineData("512M", 512L << 20)]
    [InlineData("20G", 20L << 30)]
    [InlineData("1.5T", 3L << 39)]
    [InlineData("1GiB", 1L << 30)]
    [InlineData("10GB", 10L << 30)]
    [InlineData("100B", 100L)]
    [InlineData("2 G", 2L << 30)]
    [InlineData("0.5K", 512L)]
    [InlineData("1E", 1L << 60)]
    public void ParsesBinaryUnits(string text, long expected) => Assert.Equal(expected, Sizes.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("G")]
    [InlineData("12X")]
    [InlineData("1.3G")] // not a whole number of bytes
    [InlineData("-5G")]
    [InlineData("1.2.3M")]
    [InlineData("9E")] // larger than a long
    [InlineData("5GG")]
    public void RejectsBadSizesAsUsageErrors(string text) => Assert.Throws<UsageException>(() => Sizes.Parse(text));

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(512L, "512")]
    [InlineData(1024L, "1K")]
    [InlineData(512L << 20, "512M")]
    [InlineData(3L << 29, "1.5G")]
    [InlineData(20L << 30, "20G")]
    [InlineData((1L << 30) - 1, "1G")]
    [InlineData(1L << 40, "1T")]
    public void FormatsHumanReadable(long bytes, string expected) => Assert.Equal(expected, Sizes.Format(bytes));
}
