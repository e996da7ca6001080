using System.Text;
using Rewind.Engine.Journal;

namespace Rewind.Engine.Tests;

/// <summary>
/// The CRC-32C every checksum on disk depends on: the standard check value, and the block-wise and
/// incremental forms (block CRCs combined, changed-range replacement) agree with one plain pass.
/// </summary>
public class Crc32CTests
{
    [Fact]
    public void MatchesTheStandardCheckValue() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));

    [Theory]
    [InlineData(4096)]
    [InlineData(65536)]
    [InlineData(1 << 20)]
    [InlineData(16 * 17)] // blocks of 17 bytes: not a multiple of 8, the serial path
    public void BlockChecksumsCombineToTheWholeChecksum(int length)
    {
        var rng = new Random(length);
        var data = new byte[length];
        rng.NextBytes(data);
        var sums = new uint[16];
        Crc32C.RawBlocks(data, sums);
        int block = length / 16;
        for (int b = 0; b < 16; b++) Assert.Equal(Crc32C.RawBlock(data.AsSpan(b * block, block)), sums[b]);
        if ((block & (block - 1)) == 0) Assert.Equal(Crc32C.Compute(data), Crc32C.FromBlocks(sums, block));
    }

    [Fact]
    public void ReplacingABlockByItsRawChecksumsGivesTheChecksumOfTheNewContent()
    {
        var rng = new Random(4);
        var data = new byte[65536];
        rng.NextBytes(data);
        for (int b = 0; b < 16; b++)
        {
            uint before = Crc32C.Compute(data);
            var block = data.AsSpan(b * 4096, 4096);
            uint oldRaw = Crc32C.RawBlock(block);
            rng.NextBytes(block);
            uint replaced = Crc32C.ReplaceRaw(before, oldRaw, Crc32C.RawBlock(block), data.Length - (b + 1) * 4096);
            Assert.Equal(Crc32C.Compute(data), replaced);
        }
    }

    [Fact]
    public void ReplacingARangeGivesTheChecksumOfTheNewContent()
    {
        var rng = new Random(3);
        var data = new byte[65536];
        rng.NextBytes(data);
        for (int i = 0; i < 50; i++)
        {
            uint before = Crc32C.Compute(data);
            int start = rng.Next(data.Length), length = rng.Next(1, data.Length - start + 1);
            var fresh = new byte[length];
            rng.NextBytes(fresh);
            var old = data.AsSpan(start, length).ToArray();
            uint replaced = Crc32C.Replace(before, data.Length, start, old, fresh);
            fresh.CopyTo(data, start);
            Assert.Equal(Crc32C.Compute(data), replaced);
        }
    }
}
