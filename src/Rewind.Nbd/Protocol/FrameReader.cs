using System.Buffers;

namespace Rewind.Nbd.Protocol;

/// <summary>Thrown when the peer broke the protocol or closed mid-message: the connection ends.</summary>
internal sealed class ProtocolViolationException(string message) : Exception(message);

/// <summary>
/// Buffered exact reads from a stream. Small messages (headers) are served from a pooled 64 KiB buffer
/// so a burst of requests costs one system call; large payloads bypass the buffer and land directly in
/// the caller's memory, so a 32 MiB write is copied once, not twice.
/// </summary>
internal sealed class FrameReader : IDisposable
{
    private const int BufferSize = 64 * 1024;
    private readonly Stream _stream;
    private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
    private int _start, _end;

    public FrameReader(Stream stream)
    {
        _stream = stream;
    }

    /// <summary>Bytes read from the stream but not yet consumed.</summary>
    public int Buffered => _end - _start;

    /// <summary>
    /// Reads a whole message header. False on a clean end of stream before its first byte;
    /// a stream that ends inside the header is a protocol violation.
    /// </summary>
    public async ValueTask<bool> TryReadMessageAsync(Memory<byte> destination, CancellationToken ct)
    {
        if (Buffered == 0 && !await FillAsync(ct)) return false;
        await ReadExactlyAsync(destination, ct);
        return true;
    }

    public async ValueTask ReadExactlyAsync(Memory<byte> destination, CancellationToken ct)
    {
        while (destination.Length > 0)
        {
            if (Buffered > 0)
            {
                int take = Math.Min(Buffered, destination.Length);
                _buffer.AsSpan(_start, take).CopyTo(destination.Span);
                _start += take;
                destination = destination[take..];
            }
            else if (destination.Length >= BufferSize)
            {
                int n = await _stream.ReadAsync(destination, ct);
                if (n == 0) throw new ProtocolViolationException("connection closed in the middle of a message");
                destination = destination[n..];
            }
            else if (!await FillAsync(ct))
            {
                throw new ProtocolViolationException("connection closed in the middle of a message");
            }
        }
    }

    /// <summary>Reads and drops <paramref name="count"/> bytes (an option or payload we refuse).</summary>
    public async ValueTask SkipAsync(long count, CancellationToken ct)
    {
        while (count > 0)
        {
            if (Buffered == 0 && !await FillAsync(ct))
                throw new ProtocolViolationException("connection closed in the middle of a message");
            int take = (int)Math.Min(Buffered, count);
            _start += take;
            count -= take;
        }
    }

    private async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        _start = _end = 0;
        int n = await _stream.ReadAsync(_buffer.AsMemory(0, BufferSize), ct);
        _end = n;
        return n > 0;
    }

    public void Dispose()
    {
        var b = Interlocked.Exchange(ref _buffer, null);
        if (b != null) ArrayPool<byte>.Shared.Return(b);
    }
}
