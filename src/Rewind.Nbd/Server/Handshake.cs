using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Rewind.Engine;
using Rewind.Nbd.Exports;
using Rewind.Nbd.Protocol;

namespace Rewind.Nbd.Server;

/// <summary>
/// Fixed-newstyle option haggling for one connection. Every option is read whole (length-checked
/// before allocation), validated, and answered; the only ways out are an export to serve (GO or
/// EXPORT_NAME), ABORT, or a violation that ends the connection.
///
/// TLS modes: without a certificate STARTTLS is refused (NOTLS); with one it is offered (SELECTIVETLS,
/// every export allowed either way); with <see cref="TlsSettings.Required"/> every option other than
/// STARTTLS and ABORT gets NBD_REP_ERR_TLS_REQD until TLS is up (FORCEDTLS).
/// </summary>
internal sealed partial class Handshake
{
    private readonly IExportCatalog _catalog;
    private readonly NbdServerOptions _options;
    private readonly TlsSettings? _tls;
    private readonly ArrayBufferWriter<byte> _out = new(256);
    private readonly Action<string> _log;
    private Stream _stream;
    private FrameReader _reader;
    private bool _tlsActive;
    private bool _noZeroes;
    private ReplyMode _mode = ReplyMode.Simple;
    private string? _contextsExport;
    private List<MetaContext> _contexts = [];

    public Handshake(Stream stream, IExportCatalog catalog, NbdServerOptions options, TlsSettings? tls, Action<string> log)
    {
        _stream = stream;
        _reader = new FrameReader(stream);
        _catalog = catalog;
        _options = options;
        _tls = tls;
        _log = log;
    }

    private bool TlsBlocks => _tls is { Required: true } && !_tlsActive;

    /// <summary>Runs the handshake. Null when the client aborted; throws on a protocol violation.</summary>
    public async Task<HandshakeResult?> RunAsync(CancellationToken ct)
    {
        try
        {
            var result = await NegotiateAsync(ct);
            if (result == null) _reader.Dispose();
            return result;
        }
        catch
        {
            _reader.Dispose();
            throw;
        }
    }

    /// <summary>The stream in use now (an SslStream after STARTTLS): the caller closes it.</summary>
    public Stream CurrentStream => _stream;

    private async Task<HandshakeResult?> NegotiateAsync(CancellationToken ct)
    {
        _out.Clear();
        _out.U64(Magic.NbdMagic);
        _out.U64(Magic.IHaveOpt);
        _out.U16((ushort)(HandshakeFlags.FixedNewstyle | HandshakeFlags.NoZeroes));
        await FlushOutAsync(ct);

        var four = new byte[4];
        if (!await _reader.TryReadMessageAsync(four, ct)) return null;
        uint clientFlags = BinaryPrimitives.ReadUInt32BigEndian(four);
        if ((clientFlags & ~(uint)ClientFlags.Known) != 0)
            throw new ProtocolViolationException($"unknown client flags 0x{clientFlags:x}");
        _noZeroes = (clientFlags & (uint)ClientFlags.NoZeroes) != 0;

        var header = new byte[WireSize.OptionHeader];
        for (int count = 0; ; count++)
        {
            if (count >= Limits.MaxOptionsPerHandshake)
                throw new ProtocolViolationException($"more than {Limits.MaxOptionsPerHandshake} options");
            if (!await _reader.TryReadMessageAsync(header, ct)) return null;
            if (BinaryPrimitives.ReadUInt64BigEndian(header) != Magic.IHaveOpt)
                throw new ProtocolViolationException("bad option magic");
            uint option = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8));
            uint length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
            if (length > Limits.MaxOptionLength)
                throw new ProtocolViolationException($"option {option} has {length} bytes of data (limit {Limits.MaxOptionLength})");
            var data = length == 0 ? [] : new byte[length];
            await _reader.ReadExactlyAsync(data, ct);

            var outcome = await HandleOptionAsync(option, data, ct);
            if (outcome.Abort) return null;
            if (outcome.Result != null) return outcome.Result;
        }
    }

    private readonly record struct Outcome(bool Abort, HandshakeResult? Result)
    {
        public static readonly Outcome Continue = new(false, null);
    }

    private async Task<Outcome> HandleOptionAsync(uint option, byte[] data, CancellationToken ct)
    {
        if (option == (uint)Option.Abort)
        {
            await ReplyAsync(option, OptionReplyType.Ack, ct);
            return new Outcome(true, null);
        }
        if (option == (uint)Option.ExportName)
        {
            if (TlsBlocks) throw new ProtocolViolationException("NBD_OPT_EXPORT_NAME before STARTTLS on a server that requires TLS");
            var export = ExportNameTarget(data)
                         ?? throw new ProtocolViolationException("NBD_OPT_EXPORT_NAME named no available export");
            return new Outcome(false, await FinishExportNameAsync(export, ct));
        }
        if (option != (uint)Option.StartTls && TlsBlocks)
        {
            await ReplyErrorAsync(option, OptionReplyType.ErrTlsReqd, "this server requires TLS: send NBD_OPT_STARTTLS first", ct);
            return Outcome.Continue;
        }
        switch ((Option)option)
        {
            case Option.List: await ListAsync(option, data, ct); return Outcome.Continue;
            case Option.StartTls: await StartTlsAsync(option, data, ct); return Outcome.Continue;
            case Option.Info: await InfoOrGoAsync(option, data, go: false, ct); return Outcome.Continue;
            case Option.Go: return new Outcome(false, await InfoOrGoAsync(option, data, go: true, ct));
            case Option.StructuredReply:
                if (data.Length != 0) await ReplyErrorAsync(option, OptionReplyType.ErrInvalid, "NBD_OPT_STRUCTURED_REPLY takes no data", ct);
                else if (_mode == ReplyMode.Extended)
                    await ReplyErrorAsync(option, OptionReplyType.ErrExtHeaderReqd, "extended headers are already negotiated (they include structured replies)", ct);
                else { _mode = ReplyMode.Structured; await ReplyAsync(option, OptionReplyType.Ack, ct); }
                return Outcome.Continue;
            case Option.ExtendedHeaders:
                if (data.Length != 0) await ReplyErrorAsync(option, OptionReplyType.ErrInvalid, "NBD_OPT_EXTENDED_HEADERS takes no data", ct);
                else if (_mode == ReplyMode.Extended) await ReplyErrorAsync(option, OptionReplyType.ErrInvalid, "extended headers are already negotiated", ct);
                else { _mode = ReplyMode.Extended; await ReplyAsync(option, OptionReplyType.Ack, ct); }
                return Outcome.Continue;
            case Option.ListMetaContext: await MetaContextAsync(option, data, listing: true, ct); return Outcome.Continue;
            case Option.SetMetaContext: await MetaContextAsync(option, data, listing: false, ct); return Outcome.Continue;
            default:
                await ReplyErrorAsync(option, OptionReplyType.ErrUnsup, $"option {option} is not supported", ct);
                return Outcome.Continue;
        }
    }

    // ---- NBD_OPT_EXPORT_NAME: no way to report an error, so failure ends the connection --------------

    private IExport? ExportNameTarget(byte[] data)
    {
        if (data.Length > Limits.MaxStringLength || !TryDecode(data, out var name)) return null;
        return OpenExport(name, out _);
    }

    private async Task<HandshakeResult> FinishExportNameAsync(IExport export, CancellationToken ct)
    {
        try
        {
            var flags = FlagsFor(export);
            _out.Clear();
            _out.U64((ulong)export.Size);
            _out.U16((ushort)flags);
            if (!_noZeroes) _out.Zeroes(124);
            await FlushOutAsync(ct);
            // Contexts may only be used with the export they were set for (and EXPORT_NAME names it).
            return new HandshakeResult(_stream, _reader, export, flags, _mode, _contexts);
        }
        catch
        {
            export.Dispose();
            throw;
        }
    }

    // ---- NBD_OPT_LIST -----------------------------------------------------------------------------

    private async Task ListAsync(uint option, byte[] data, CancellationToken ct)
    {
        if (data.Length != 0)
        {
            await ReplyErrorAsync(option, OptionReplyType.ErrInvalid, "NBD_OPT_LIST takes no data", ct);
            return;
        }
        IReadOnlyList<ExportListing> exports;
        try { exports = _catalog.ListExports(); }
        catch (Exception e) when (e is RewindException or ObjectDisposedException)
        {
            await ReplyErrorAsync(option, OptionReplyType.ErrShutdown, "the export catalog is unavailable", ct);
            return;
        }
        foreach (var export in exports)
        {
            _out.Clear();
            int nameBytes = Encoding.UTF8.GetByteCount(export.Name);
            int descBytes = Encoding.UTF8.GetByteCount(export.Description);
            WriteReplyHeader(option, OptionReplyType.Server, 4 + nameBytes + descBytes);
            _out.U32((uint)nameBytes);
            _out.Utf8(export.Name);
            _out.Utf8(export.Description);
            await FlushOutAsync(ct);
        }
        await ReplyAsync(option, OptionReplyType.Ack, ct);
    }

    // ---- NBD_OPT_STARTTLS -------------------------------------------------------------------------

    private async Task StartTlsAsync(uint option, byte[] data, CancellationToken ct)
    {
        if (_tls == null)
        {
            await ReplyErrorAsync(option, OptionReplyType.ErrPolicy, "TLS is not configured on this server", ct);
            return;
        }
        if (_tlsActive)
        {
            await ReplyErrorAsync(option, OptionReplyType.ErrInvalid, "TLS is already active", ct);
            return;
        }
        if (data.Length != 0)
        {
            await ReplyErrorAsync(option, OptionReplyType.ErrInvalid, "NBD_OPT_STARTTLS takes no data", ct);
            return;
        }
        await ReplyAsync(option, OptionReplyType.Ack, ct);
        // The client must wait for our ACK before its TLS hello: anything already buffered is plaintext
        // injected ahead of the handshake.
        if (_reader.Buffered != 0) throw new ProtocolViolationException("data sent after NBD_OPT_STARTTLS before the TLS handshake");
        _reader.Dispose();
        var ssl = await _tls.AuthenticateAsync(_stream, ct);
        _stream = ssl;
        _reader = new FrameReader(ssl);
        _tlsActive = true;
        // The spec forbids keeping negotiation state from before TLS.
        _mode = ReplyMode.Simple;
        _contexts = [];
        _contextsExport = null;
    }

    // ---- helpers ----------------------------------------------------------------------------------

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static bool TryDecode(ReadOnlySpan<byte> bytes, out string value)
    {
        try
        {
            value = StrictUtf8.GetString(bytes);
            return !value.Contains('\0');
        }
        catch (DecoderFallbackException)
        {
            value = "";
            return false;
        }
    }

    /// <summary>Opens a named export (the empty name means the configured default export).</summary>
    private IExport? OpenExport(string name, out OptionReplyType whyNot)
    {
        whyNot = OptionReplyType.ErrUnknown;
        if (name.Length == 0)
        {
            if (_options.DefaultExport == null) return null;
            name = _options.DefaultExport;
        }
        try
        {
            return _catalog.TryOpen(name);
        }
        catch (ObjectDisposedException)
        {
            whyNot = OptionReplyType.ErrShutdown;
            return null;
        }
        catch (RewindException e)
        {
            _log($"opening export '{name}' failed: {e.Message}");
            return null;
        }
    }

    private TransmissionFlags FlagsFor(IExport export)
    {
        var flags = TransmissionFlags.HasFlags | TransmissionFlags.SendFlush | TransmissionFlags.SendFua
                    | TransmissionFlags.CanMultiConn | TransmissionFlags.SendCache;
        if (export.IsReadOnly) flags |= TransmissionFlags.ReadOnly;
        else flags |= TransmissionFlags.SendTrim | TransmissionFlags.SendWriteZeroes | TransmissionFlags.SendFastZero;
        // Reads with zero runs come back as data and hole chunks; "don't fragment" asks for one data chunk.
        if (_mode != ReplyMode.Simple) flags |= TransmissionFlags.SendDf;
        return flags;
    }

    private void WriteReplyHeader(uint option, OptionReplyType type, int length)
    {
        _out.U64(Magic.OptionReply);
        _out.U32(option);
        _out.U32((uint)type);
        _out.U32((uint)length);
    }

    private async Task ReplyAsync(uint option, OptionReplyType type, CancellationToken ct)
    {
        _out.Clear();
        WriteReplyHeader(option, type, 0);
        await FlushOutAsync(ct);
    }

    private async Task ReplyErrorAsync(uint option, OptionReplyType type, string message, CancellationToken ct)
    {
        var text = WireWriter.TruncatedUtf8(message, Limits.MaxErrorMessageBytes);
        _out.Clear();
        WriteReplyHeader(option, type, text.Length);
        _out.Write(text);
        await FlushOutAsync(ct);
    }

    private async Task FlushOutAsync(CancellationToken ct)
    {
        await _stream.WriteAsync(_out.WrittenMemory, ct);
        await _stream.FlushAsync(ct);
        _out.Clear();
    }
}
