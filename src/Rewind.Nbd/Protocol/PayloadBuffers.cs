using System.Buffers;

namespace Rewind.Nbd.Protocol;

/// <summary>
/// Buffers for request and reply payloads. Not ArrayPool.Shared: it keeps only a handful of arrays per
/// size per core, so with 16-32 requests of 64 KiB+ in flight most rentals missed and allocated fresh
/// large-object-heap arrays, and the resulting gen-2 collections cost more than the reads themselves.
/// This pool keeps enough arrays of every power-of-two size up to the maximum request (plus headers).
/// </summary>
internal static class PayloadBuffers
{
    public static readonly ArrayPool<byte> Pool =
        ArrayPool<byte>.Create(maxArrayLength: (int)Limits.MaximumBlockSize + 4096, maxArraysPerBucket: 128);
}
