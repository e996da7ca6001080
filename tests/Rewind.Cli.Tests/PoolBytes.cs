using Rewind.Engine;

namespace Rewind.Cli.Tests;

/// <summary>Reads and writes a volume's bytes straight through the engine, between CLI commands (nothing else holds the pool then).</summary>
public static class PoolBytes
{
    public const int Cluster = 64 * 1024;

    public static void Fill(string poolDir, string volume, long offset, byte value, int length = Cluster)
    {
        using var pool = Pool.Open(poolDir);
        using var h = pool.Open(volume);
        h.Write(offset, Enumerable.Repeat(value, length).ToArray());
        h.Flush();
    }

    public static byte ReadByte(string poolDir, string target, long offset)
    {
        using var pool = Pool.Open(poolDir);
        using var h = pool.Open(target);
        var b = new byte[1];
        h.Read(offset, b);
        return b[0];
    }
}
