using System.Buffers.Binary;
using System.Text;
using Rewind.Engine;
using Rewind.Nbd.Exports;
using Rewind.Nbd.Protocol;

namespace Rewind.Nbd.Server;

/// <summary>NBD_OPT_INFO and NBD_OPT_GO: describe an export, and for GO enter transmission with it.</summary>
internal sealed partial class Handshake
{
    // ---- NBD_OPT_INFO / NBD_OPT_GO ----------------------------------------------------------------

    private async Task<HandshakeResult?> InfoOrGoAsync(uint option, byte[] data, bool go, CancellationToken ct)
    {
        if (data.Length < 6)
        {
            await ReplyErrorAsync(option, OptionReplyType.ErrInvalid, "option data too short", ct);
            return null;
        }
        uint nameLength = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (nameLength > (uint)(data.Length - 6) || nameLength > Limits.MaxStringLength)
        {
            await ReplyErrorAsync(option, OptionReplyType.ErrInvalid, "export name length does not fit the option", ct);
            return null;
        }
        int n = (int)nameLength;
        int requestCount = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(4 + n));
        if (data.Length != 4 + n + 2 + 2 * requestCount)
        {
            await ReplyErrorAsync(option, OptionReplyType.ErrInvalid, "information request count does not match the option length", ct);
            return null;
        }
        if (!TryDecode(data.AsSpan(4, n), out var requestedName))
        {
            await ReplyErrorAsync(option, OptionReplyType.ErrInvalid, "export name is not valid UTF-8", ct);
            return null;
        }
        var requests = new HashSet<ushort>();
        for (int i = 0; i < requestCount; i++)
            requests.Add(BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(4 + n + 2 + 2 * i)));

        var export = OpenExport(requestedName, out var why);
        if (export == null)
        {
            await ReplyErrorAsync(option, why, $"no export named '{requestedName}'", ct);
            return null;
        }
        bool handedOver = false;
        try
        {
            var flags = FlagsFor(export);
            _out.Clear();
            WriteReplyHeader(option, OptionReplyType.Info, 12);
            _out.U16((ushort)InfoType.Export);
            _out.U64((ulong)export.Size);
            _out.U16((ushort)flags);
            if (requests.Contains((ushort)InfoType.Name)) WriteInfoString(option, InfoType.Name, export.Name);
            if (requests.Contains((ushort)InfoType.Description)) WriteInfoString(option, InfoType.Description, export.Description);
            // Sent whether asked or not: our maximum is tighter than the protocol default.
            WriteReplyHeader(option, OptionReplyType.Info, 14);
            _out.U16((ushort)InfoType.BlockSize);
            _out.U32(Limits.MinimumBlockSize);
            _out.U32((uint)Math.Max(512, export.PreferredBlockSize));
            _out.U32(Limits.MaximumBlockSize);
            WriteReplyHeader(option, OptionReplyType.Ack, 0);
            await FlushOutAsync(ct);
            if (!go) return null;
            // Block status is only allowed on the export the contexts were selected for.
            var contexts = _contextsExport == requestedName ? _contexts : [];
            handedOver = true;
            return new HandshakeResult(_stream, _reader, export, flags, _mode, contexts);
        }
        finally
        {
            if (!handedOver) export.Dispose();
        }
    }

    private void WriteInfoString(uint option, InfoType type, string value)
    {
        WriteReplyHeader(option, OptionReplyType.Info, 2 + Encoding.UTF8.GetByteCount(value));
        _out.U16((ushort)type);
        _out.Utf8(value);
    }
}
