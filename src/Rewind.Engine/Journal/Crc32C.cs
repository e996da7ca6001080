using System.Numerics;
using System.Runtime.InteropServices;

namespace Rewind.Engine.Journal;

/// <summary>
/// CRC-32C (Castagnoli) on the hardware instruction, 8 bytes at a time.
///
/// The instruction has a latency of about three cycles but can start one per cycle, so one dependent
/// chain uses a third of the unit. Long inputs (every cluster checksum on the I/O path) are therefore
/// split into three equal parts whose CRCs run interleaved, then joined with the standard CRC
/// combination: crc(A || B) = crc(A) * x^(8|B|) mod P  xor  crc(B) (on the raw, un-inverted register).
/// The result is bit-for-bit the plain CRC-32C; only the speed differs.
/// </summary>
internal static class Crc32C
{
    /// <summary>The reflected Castagnoli polynomial.</summary>
    private const uint Polynomial = 0x82F63B78;
    /// <summary>Below this, three chains cost more to join than they save.</summary>
    private const int InterleaveThreshold = 3 * 512;

    /// <summary>
    /// (part length << 32 | x^(8*part length) mod P) of recent lengths, direct-mapped: clusters and their
    /// blocks repeat a few lengths, which then never pay for <see cref="PowerOfX"/>.
    /// </summary>
    private static readonly ulong[] s_shifts = new ulong[16];

    public static uint Compute(ReadOnlySpan<byte> data) => Append(0, data);

    public static uint Append(uint crc, ReadOnlySpan<byte> data) => ~Raw(~crc, data);

    /// <summary>The raw CRC of one block: zero initial register, no final inversion.</summary>
    public static uint RawBlock(ReadOnlySpan<byte> block) => Raw(0, block);

    /// <summary>
    /// The <see cref="RawBlock"/> of each of <paramref name="sums"/>.Length equal blocks of
    /// <paramref name="data"/>. Blocks are independent, so three run interleaved with no joining step:
    /// as fast as one interleaved pass over the whole.
    /// </summary>
    public static void RawBlocks(ReadOnlySpan<byte> data, Span<uint> sums)
    {
        int n = sums.Length, block = data.Length / n;
        int i = 0;
        if (block % 8 == 0)
        {
            for (; i + 3 <= n; i += 3)
            {
                var a = MemoryMarshal.Cast<byte, ulong>(data.Slice(i * block, block));
                var b = MemoryMarshal.Cast<byte, ulong>(data.Slice((i + 1) * block, block));
                var d = MemoryMarshal.Cast<byte, ulong>(data.Slice((i + 2) * block, block));
                uint c0 = 0, c1 = 0, c2 = 0;
                for (int k = 0; k < a.Length; k++)
                {
                    c0 = (uint)BitOperations.Crc32C(c0, a[k]);
                    c1 = (uint)BitOperations.Crc32C(c1, b[k]);
                    c2 = (uint)BitOperations.Crc32C(c2, d[k]);
                }
                sums[i] = c0;
                sums[i + 1] = c1;
                sums[i + 2] = c2;
            }
        }
        for (; i < n; i++) sums[i] = RawBlock(data.Slice(i * block, block));
    }

    /// <summary>
    /// The CRC-32C of consecutive blocks of <paramref name="blockLength"/> bytes (a power of two), from
    /// each block's <see cref="RawBlock"/>: the register is carried across each block (Horner's rule).
    /// </summary>
    public static uint FromBlocks(ReadOnlySpan<uint> rawBlockCrcs, int blockLength)
    {
        if (blockLength <= 0 || (blockLength & (blockLength - 1)) != 0)
            throw new ArgumentException("the block length must be a power of two", nameof(blockLength));
        uint shift = s_zeroBytePowers[BitOperations.Log2((uint)blockLength)];
        uint register = ~0u;
        foreach (var raw in rawBlockCrcs) register = MultiplyModP(register, shift) ^ raw;
        return ~register;
    }

    /// <summary>The raw register update: no inversion on the way in or out.</summary>
    private static uint Raw(uint c, ReadOnlySpan<byte> data)
    {
        if (data.Length >= InterleaveThreshold) return Interleaved(c, data);
        return Serial(c, data);
    }

    private static uint Serial(uint c, ReadOnlySpan<byte> data)
    {
        var longs = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (var v in longs) c = (uint)BitOperations.Crc32C(c, v);
        foreach (var b in data[(longs.Length * 8)..]) c = BitOperations.Crc32C(c, b);
        return c;
    }

    private static uint Interleaved(uint c, ReadOnlySpan<byte> data)
    {
        int part = data.Length / 24 * 8; // bytes per chain, a multiple of 8
        var a = MemoryMarshal.Cast<byte, ulong>(data[..part]);
        var b = MemoryMarshal.Cast<byte, ulong>(data.Slice(part, part));
        var d = MemoryMarshal.Cast<byte, ulong>(data.Slice(2 * part, part));
        uint c0 = c, c1 = 0, c2 = 0;
        for (int i = 0; i < a.Length; i++)
        {
            c0 = (uint)BitOperations.Crc32C(c0, a[i]);
            c1 = (uint)BitOperations.Crc32C(c1, b[i]);
            c2 = (uint)BitOperations.Crc32C(c2, d[i]);
        }
        uint shift = ShiftFor(part);
        c = MultiplyModP(MultiplyModP(c0, shift) ^ c1, shift) ^ c2;
        return Serial(c, data[(3 * part)..]);
    }

    private static uint ShiftFor(int part)
    {
        ref ulong slot = ref s_shifts[(part >> 3) & (s_shifts.Length - 1)];
        ulong cached = Volatile.Read(ref slot);
        if ((int)(cached >> 32) == part) return (uint)cached;
        uint shift = PowerOfX(8L * part);
        Volatile.Write(ref slot, ((ulong)(uint)part << 32) | shift);
        return shift;
    }

    /// <summary>x^(8 * 2^k) mod P for k = 0..31: shifting a register past n zero bytes takes popcount(n) products.</summary>
    private static readonly uint[] s_zeroBytePowers = ZeroBytePowers();

    private static uint[] ZeroBytePowers()
    {
        var powers = new uint[32];
        powers[0] = PowerOfX(8);
        for (int k = 1; k < 32; k++) powers[k] = MultiplyModP(powers[k - 1], powers[k - 1]);
        return powers;
    }

    /// <summary>
    /// The CRC-32C of a message of <paramref name="totalLength"/> bytes after the bytes at
    /// [<paramref name="start"/>, start + old.Length) changed from <paramref name="oldBytes"/> to
    /// <paramref name="newBytes"/>, given its CRC before. CRCs of equal-length messages differ by the raw
    /// CRC of their XOR, which is zero outside the changed range, so only that range is touched.
    /// <paramref name="oldBytes"/> is overwritten (it becomes the XOR).
    /// </summary>
    public static uint Replace(uint crc, long totalLength, long start, Span<byte> oldBytes, ReadOnlySpan<byte> newBytes)
    {
        if (oldBytes.Length != newBytes.Length || start < 0 || start + oldBytes.Length > totalLength)
            throw new ArgumentException("the changed range must lie inside the message and both sides be equally long");
        var o = MemoryMarshal.Cast<byte, ulong>(oldBytes);
        var n = MemoryMarshal.Cast<byte, ulong>(newBytes);
        for (int i = 0; i < o.Length; i++) o[i] ^= n[i];
        for (int i = o.Length * 8; i < oldBytes.Length; i++) oldBytes[i] ^= newBytes[i];
        uint delta = Raw(0, oldBytes);
        ulong after = (ulong)(totalLength - start - oldBytes.Length);
        for (int k = 0; after != 0; k++, after >>= 1)
            if ((after & 1) != 0) delta = MultiplyModP(delta, s_zeroBytePowers[k]);
        return crc ^ delta;
    }

    /// <summary>
    /// The CRC-32C of a message after one of its parts changed, given the part's raw CRC before
    /// (<paramref name="oldRaw"/>) and after (<paramref name="newRaw"/>), and how many bytes follow it:
    /// the difference of the raw CRCs, carried past those bytes, is the difference of the whole's.
    /// </summary>
    public static uint ReplaceRaw(uint crc, uint oldRaw, uint newRaw, long bytesAfter)
    {
        uint delta = oldRaw ^ newRaw;
        ulong after = (ulong)bytesAfter;
        for (int k = 0; after != 0 && delta != 0; k++, after >>= 1)
            if ((after & 1) != 0) delta = MultiplyModP(delta, s_zeroBytePowers[k]);
        return crc ^ delta;
    }

    /// <summary>x^n mod P in the reflected representation (x^0 is the top bit), by repeated squaring.</summary>
    private static uint PowerOfX(long n)
    {
        uint result = 1u << 31, square = 1u << 30; // x^0, x^1
        while (n != 0)
        {
            if ((n & 1) != 0) result = MultiplyModP(result, square);
            square = MultiplyModP(square, square);
            n >>= 1;
        }
        return result;
    }

    /// <summary>a * b mod P, both reflected (as zlib's multmodp), without data-dependent branches.</summary>
    private static uint MultiplyModP(uint a, uint b)
    {
        uint product = 0;
        for (int bit = 31; bit >= 0; bit--)
        {
            product ^= b & (0u - ((a >> bit) & 1));
            b = (b >> 1) ^ (Polynomial & (0u - (b & 1)));
        }
        return product;
    }
}
