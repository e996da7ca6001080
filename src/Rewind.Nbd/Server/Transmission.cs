using System.Buffers;
using System.Buffers.Binary;
using Rewind.Engine;
using Rewind.Nbd.Exports;
using Rewind.Nbd.Protocol;

namespace Rewind.Nbd.Server;

/// <summary>
/// The transmission phase of one connection.
///
/// One loop reads requests in order (the stream is sequential); each validated request then runs on
/// the thread pool, so reads and writes of one client are in flight together, up to
/// <see cref="NbdServerOptions.MaxInFlightRequestsPerConnection"/>. Replies go out whole under a write
/// lock. Read data is read by the engine straight into a pooled buffer behind its reply header; small
/// replies (write acknowledgements, 4 KiB reads) are then copied into a shared buffer and leave together
/// with whatever else completed meanwhile, one stream write per batch (see SendAsync), while large ones
/// are written as they are.
///
/// Ending: the client's DISC or end of stream, the server stopping (stop token), or a fatal condition
/// (a stale export after a forced rollback or delete, a protocol violation). In every case the loop
/// stops reading and waits for the requests already running; after a fatal condition no further reply
/// is sent, so a client never sees data from both sides of a rollback.
/// </summary>
internal sealed class Transmission
{
    private readonly HandshakeResult _session;
    private readonly IExport _export;
    private readonly Stream _stream;
    private readonly FrameReader _reader;
    private readonly Action<string> _log;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    /// <summary>Messages up to this size are batched (see <see cref="SendAsync"/>).</summary>
    private const int SmallMessage = 16 * 1024;
    private const int OutBufferSize = 256 * 1024;
    private readonly object _outGate = new();
    private byte[] _outBuffer = new byte[OutBufferSize];
    private byte[] _outSpare = new byte[OutBufferSize];
    private int _outLength;
    private bool _flushing;
    private readonly SemaphoreSlim _slots;
    private readonly int _maxInFlight;
    private readonly CancellationTokenSource _fatal = new();
    private readonly MetaContext[] _contexts;
    private readonly ReplyMode _mode;
    private volatile bool _terminated;

    public Transmission(HandshakeResult session, int maxInFlight, Action<string> log)
    {
        _session = session;
        _export = session.Export;
        _stream = session.Stream;
        _reader = session.Reader;
        _contexts = session.MetaContexts.ToArray();
        _mode = session.Mode;
        _maxInFlight = Math.Max(1, maxInFlight);
        _slots = new SemaphoreSlim(_maxInFlight, _maxInFlight);
        _log = log;
    }

    /// <summary>Why the connection ended badly, if it did.</summary>
    public string? FatalReason { get; private set; }

    public async Task RunAsync(CancellationToken stop, TimeSpan drainLimit)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, _fatal.Token);
        var ct = linked.Token;
        var header = new byte[Request.HeaderSize(_mode)];
        try
        {
            while (true)
            {
                if (!await _reader.TryReadMessageAsync(header, ct)) break;
                var request = Request.Parse(header, _mode);
                if (request.Command == Command.Disconnect) break;
                await _slots.WaitAsync(ct);
                await AcceptAsync(request, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopping, or a worker found the connection must end
        }
        catch (ProtocolViolationException e)
        {
            Terminate($"protocol violation: {e.Message}");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The stream failed (reset, TLS error, disposed): stop here but still drain below, so no
            // request is left running against an export the connection is about to close.
            Terminate($"connection lost: {e.Message}");
        }
        await DrainAsync(drainLimit);
    }

    /// <summary>Validates a request, reads its payload, and either answers an error or starts it.</summary>
    private async Task AcceptAsync(Request request, CancellationToken ct)
    {
        bool started = false;
        byte[]? payload = null;
        try
        {
            var state = new ExportState(_export.Size, _export.IsReadOnly, _mode, _contexts.Length > 0);
            var verdict = RequestValidator.Validate(request, state);
            ulong payloadLength = request.PayloadLength(_mode);
            if (payloadLength > 0)
            {
                if (!verdict.IsOk || request.Command != Command.Write)
                {
                    // Drop the payload to stay in step with the stream, unless it is absurd.
                    if (payloadLength > Limits.MaxDiscardedWritePayload)
                        throw new ProtocolViolationException($"{request.Command} payload of {payloadLength} bytes");
                    await _reader.SkipAsync((long)payloadLength, ct);
                }
                else
                {
                    payload = PayloadBuffers.Pool.Rent((int)payloadLength);
                    await _reader.ReadExactlyAsync(payload.AsMemory(0, (int)payloadLength), ct);
                }
            }
            if (!verdict.IsOk)
            {
                await SendErrorAsync(request, verdict.Error, verdict.Message!);
                return;
            }
            var buffer = payload;
            payload = null;
            started = true;
            _ = Task.Run(() => ExecuteAsync(request, buffer));
        }
        finally
        {
            if (payload != null) PayloadBuffers.Pool.Return(payload);
            if (!started) _slots.Release();
        }
    }

    private async Task ExecuteAsync(Request r, byte[]? payload)
    {
        try
        {
            if (r.Command == Command.Read) await ReadAsync(r);
            else if (r.Command == Command.BlockStatus) await BlockStatusAsync(r);
            else
            {
                if (!TryRun(r, () => RunWithoutReplyData(r, payload), out var failure)) await FailAsync(r, failure!);
                else await SendOkAsync(r);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            Terminate($"sending a reply failed: {e.Message}");
        }
        catch (Exception e)
        {
            Terminate($"internal error: {e}");
        }
        finally
        {
            if (payload != null) PayloadBuffers.Pool.Return(payload);
            _slots.Release();
        }
    }

    private void RunWithoutReplyData(Request r, byte[]? payload)
    {
        bool fua = (r.Flags & CommandFlags.Fua) != 0;
        long offset = (long)r.Offset;
        switch (r.Command)
        {
            case Command.Write:
                _export.Write(offset, payload.AsSpan(0, (int)r.Length), fua);
                break;
            case Command.Flush:
                _export.Flush();
                break;
            case Command.Trim:
                _export.Trim(offset, (long)r.Length, fua);
                break;
            case Command.WriteZeroes:
                // NO_HOLE needs no special path: zero clusters are never stored, and FAST_ZERO is always
                // honoured because zeroing whole clusters only drops map entries.
                _export.WriteZeroes(offset, (long)r.Length, fua);
                break;
            case Command.Cache:
                break; // a hint; reads already come straight from the engine
        }
    }

    private static bool TryRun(Request r, Action action, out Exception? failure)
    {
        try
        {
            action();
            failure = null;
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failure = e;
            return false;
        }
    }

    private async Task ReadAsync(Request r)
    {
        int prefix = Replies.ReadDataPrefix(_mode);
        int length = (int)r.Length;
        var buffer = PayloadBuffers.Pool.Rent(prefix + length);
        try
        {
            if (!TryRun(r, () => _export.Read((long)r.Offset, buffer.AsSpan(prefix, length)), out var failure))
            {
                await FailAsync(r, failure!);
                return;
            }
            var runs = _mode == ReplyMode.Simple || (r.Flags & CommandFlags.DontFragment) != 0
                ? null
                : ReadRuns.Split(buffer.AsSpan(prefix, length), r.Offset);
            if (runs == null)
            {
                Replies.ReadData(buffer, _mode, r, r.Offset, r.Length, final: true);
                await SendAsync(buffer.AsMemory(0, prefix + length));
            }
            else
            {
                await SendSparseReadAsync(r, buffer.AsMemory(prefix, length), runs);
            }
        }
        finally
        {
            PayloadBuffers.Pool.Return(buffer);
        }
    }

    /// <summary>Sends a read as data and hole chunks, all in one message so no other reply cuts in.</summary>
    private async Task SendSparseReadAsync(Request r, ReadOnlyMemory<byte> data, List<ZeroRun> runs)
    {
        int dataPrefix = Replies.ReadDataPrefix(_mode);
        int size = 0;
        foreach (var run in runs) size += run.IsZero ? Replies.HoleChunkSize(_mode) : dataPrefix + run.Length;
        var message = PayloadBuffers.Pool.Rent(size);
        try
        {
            int at = 0;
            for (int i = 0; i < runs.Count; i++)
            {
                var run = runs[i];
                bool final = i == runs.Count - 1;
                ulong offset = r.Offset + (ulong)run.Start;
                if (run.IsZero)
                {
                    at += Replies.Hole(message.AsSpan(at), _mode, r, offset, (uint)run.Length, final);
                    continue;
                }
                Replies.ReadData(message.AsSpan(at), _mode, r, offset, (ulong)run.Length, final);
                data.Span.Slice(run.Start, run.Length).CopyTo(message.AsSpan(at + dataPrefix));
                at += dataPrefix + run.Length;
            }
            await SendAsync(message.AsMemory(0, size));
        }
        finally
        {
            PayloadBuffers.Pool.Return(message);
        }
    }

    private async Task BlockStatusAsync(Request r)
    {
        bool extended = _mode == ReplyMode.Extended;
        long length = (long)Math.Min(r.Length, (ulong)(extended ? Limits.MaxBlockStatusSpanExtended : Limits.MaxBlockStatusSpan));
        bool one = (r.Flags & CommandFlags.ReqOne) != 0;
        var perContext = new List<StatusRun>[_contexts.Length];
        if (!TryRun(r, () =>
            {
                for (int i = 0; i < _contexts.Length; i++)
                    perContext[i] = BlockStatus.Describe(_export, _contexts[i], (long)r.Offset, length, one);
            }, out var failure))
        {
            await FailAsync(r, failure!);
            return;
        }
        int header = Replies.ChunkHeaderSize(_mode);
        for (int i = 0; i < _contexts.Length; i++)
        {
            var runs = perContext[i];
            // Compact: context id, then (length, flags) as 32-bit pairs. Extended: context id, descriptor
            // count, then 64-bit pairs.
            int fixedPart = extended ? 8 : 4, descriptor = extended ? 16 : 8;
            int size = header + fixedPart + descriptor * runs.Count;
            var buffer = PayloadBuffers.Pool.Rent(size);
            try
            {
                ushort flags = i == _contexts.Length - 1 ? ReplyFlags.Done : (ushort)0;
                var type = extended ? ReplyChunkType.BlockStatusExtended : ReplyChunkType.BlockStatus;
                Replies.ChunkHeader(buffer, _mode, r, type, flags, (ulong)(size - header));
                var span = buffer.AsSpan(header);
                BinaryPrimitives.WriteUInt32BigEndian(span, _contexts[i].Id);
                if (extended) BinaryPrimitives.WriteUInt32BigEndian(span[4..], (uint)runs.Count);
                for (int k = 0; k < runs.Count; k++)
                {
                    var at = span[(fixedPart + descriptor * k)..];
                    if (extended)
                    {
                        BinaryPrimitives.WriteUInt64BigEndian(at, (ulong)runs[k].Length);
                        BinaryPrimitives.WriteUInt64BigEndian(at[8..], runs[k].Flags);
                    }
                    else
                    {
                        BinaryPrimitives.WriteUInt32BigEndian(at, checked((uint)runs[k].Length));
                        BinaryPrimitives.WriteUInt32BigEndian(at[4..], runs[k].Flags);
                    }
                }
                await SendAsync(buffer.AsMemory(0, size));
            }
            finally
            {
                PayloadBuffers.Pool.Return(buffer);
            }
        }
    }

    /// <summary>Answers an engine failure through the error table, or ends the connection if it says so.</summary>
    private async Task FailAsync(Request r, Exception failure)
    {
        bool writesData = r.Command is Command.Write or Command.WriteZeroes;
        var (error, action) = ErrorMapping.Map(failure, writesData);
        if (action == FailureAction.Disconnect)
        {
            Terminate($"{_export.Name}: {failure.Message}");
            return;
        }
        if (error == NbdError.IO) _log($"{_export.Name}: {r.Command} at {r.Offset} length {r.Length} failed: {failure.Message}");
        await SendErrorAsync(r, error, failure.Message);
    }

    private async Task SendOkAsync(Request r)
    {
        var buffer = PayloadBuffers.Pool.Rent(Replies.MaxDoneSize);
        try
        {
            int n = Replies.Done(buffer, _mode, r);
            await SendAsync(buffer.AsMemory(0, n));
        }
        finally
        {
            PayloadBuffers.Pool.Return(buffer);
        }
    }

    private async Task SendErrorAsync(Request r, NbdError error, string message)
    {
        var text = WireWriter.TruncatedUtf8(message, Limits.MaxErrorMessageBytes);
        var buffer = PayloadBuffers.Pool.Rent(WireSize.ExtendedChunkHeader + 6 + text.Length);
        try
        {
            int n;
            if (_mode != ReplyMode.Simple)
            {
                n = Replies.ErrorChunk(buffer, _mode, r, error, text);
            }
            else
            {
                // A simple error reply carries no payload, even for READ.
                Replies.Simple(buffer, r.Cookie, error);
                n = WireSize.SimpleReplyHeader;
            }
            await SendAsync(buffer.AsMemory(0, n));
        }
        finally
        {
            PayloadBuffers.Pool.Return(buffer);
        }
    }

    /// <summary>
    /// Sends one whole message. Small ones (replies to writes, 4 KiB reads) are appended to a shared
    /// buffer and whoever finds no flush running writes it out, taking along everything appended
    /// meanwhile: replies that complete together leave in one write instead of one each. A request's
    /// own messages stay in order (a large message first writes out whatever is queued), and the
    /// request that flushes keeps its in-flight slot until the buffer is empty, so draining the
    /// connection waits for every queued reply.
    /// </summary>
    private async Task SendAsync(ReadOnlyMemory<byte> message)
    {
        if (message.Length <= SmallMessage)
        {
            lock (_outGate)
            {
                if (_terminated) return; // after a fatal condition nothing more goes out
                if (_outLength + message.Length <= _outBuffer.Length)
                {
                    message.Span.CopyTo(_outBuffer.AsSpan(_outLength));
                    _outLength += message.Length;
                    if (_flushing) return; // the running flush sends it
                    _flushing = true;
                    message = default;
                }
            }
        }
        await _writeLock.WaitAsync();
        try
        {
            await WriteQueuedAsync();
            if (message.Length > 0 && !_terminated) await _stream.WriteAsync(message);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Writes the queued small messages until none are left. Holds the write lock.</summary>
    private async Task WriteQueuedAsync()
    {
        try
        {
            while (true)
            {
                byte[] batch;
                int length;
                lock (_outGate)
                {
                    if (_outLength == 0)
                    {
                        _flushing = false;
                        return;
                    }
                    // Swap buffers so senders keep appending while this batch is written.
                    batch = _outBuffer;
                    length = _outLength;
                    _outBuffer = _outSpare;
                    _outSpare = batch;
                    _outLength = 0;
                }
                if (!_terminated) await _stream.WriteAsync(batch.AsMemory(0, length));
            }
        }
        catch
        {
            lock (_outGate) _flushing = false;
            throw;
        }
    }

    /// <summary>Ends the connection: no more reading, no more replies.</summary>
    private void Terminate(string reason)
    {
        if (_terminated) return;
        _terminated = true;
        FatalReason = reason;
        _log(reason);
        try { _fatal.Cancel(); } catch (ObjectDisposedException) { }
    }

    /// <summary>Waits until every started request has finished (bounded), by taking every slot.</summary>
    private async Task DrainAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        for (int i = 0; i < _maxInFlight; i++)
        {
            var left = deadline - DateTime.UtcNow;
            if (left < TimeSpan.Zero || !await _slots.WaitAsync(left))
            {
                _log($"{_export.Name}: requests still running after {limit.TotalSeconds:0}s; closing anyway");
                Terminate("shutdown grace expired");
                return;
            }
        }
        _slots.Release(_maxInFlight);
    }
}
