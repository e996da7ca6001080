namespace Rewind.Engine.Tests;

/// <summary>Runs of data and zeros, with granules aligned to the device offset the buffer sits at.</summary>
public class ZeroRunsTests
{
    private static List<(int, int, bool)> Runs(byte[] buffer, long offset, int granule)
    {
        var list = new List<(int, int, bool)>();
        foreach (var r in ZeroRuns.Of(buffer, offset, granule)) list.Add((r.Start, r.Length, r.IsZero));
        return list;
    }

    [Fact]
    public void GranulesFollowTheDeviceOffsetNotTheBuffer()
    {
        var buffer = new byte[10];
        buffer[5] = 1; // device offset 7: granule [4, 8) of the device
        Assert.Equal(new[] { (0, 2, true), (2, 4, false), (6, 4, true) }, Runs(buffer, 2, 4));
    }

    [Fact]
    public void OneRunWhenTheBufferIsAllZeroOrAllData()
    {
        Assert.Equal(new[] { (0, 9, true) }, Runs(new byte[9], 3, 4));
        var data = Enumerable.Repeat((byte)7, 9).ToArray();
        data[4] = 0; // a zero byte inside a data granule does not make a hole
        Assert.Equal(new[] { (0, 9, false) }, Runs(data, 0, 4));
        Assert.Empty(Runs([], 0, 4));
    }

    [Fact]
    public void RunsCoverTheBufferExactlyInOrder()
    {
        var rng = new Random(11);
        for (int i = 0; i < 200; i++)
        {
            var buffer = new byte[rng.Next(1, 3000)];
            for (int at = 0; at < buffer.Length; at += 64)
                if (rng.Next(2) == 0) rng.NextBytes(buffer.AsSpan(at, Math.Min(64, buffer.Length - at)));
            long offset = rng.Next(1000);
            var runs = Runs(buffer, offset, 128);
            int pos = 0;
            bool? previous = null;
            foreach (var (start, length, isZero) in runs)
            {
                Assert.Equal(pos, start);
                Assert.NotEqual(previous, isZero); // maximal: neighbours differ
                Assert.Equal(isZero, buffer.AsSpan(start, length).IndexOfAnyExcept((byte)0) < 0);
                previous = isZero;
                pos += length;
            }
            Assert.Equal(buffer.Length, pos);
        }
    }
}
