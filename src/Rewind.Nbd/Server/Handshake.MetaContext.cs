using System.Buffers.Binary;
using System.Text;
using Rewind.Engine;
using Rewind.Nbd.Exports;
using Rewind.Nbd.Protocol;

namespace Rewind.Nbd.Server;

/// <summary>NBD_OPT_LIST_META_CONTEXT and NBD_OPT_SET_META_CONTEXT (see <see cref="MetaContexts"/> for the query syntax).</summary>
internal sealed partial class Handshake
{
    // ---- NBD_OPT_LIST_META_CONTEXT / NBD_OPT_SET_META_CONTEXT -------------------------------------

    private async Task MetaContextAsync(uint option, byte[] data, bool listing, CancellationToken ct)
    {
        if (!listing)
        {
            // A SET replaces the selection even when it fails.
            _contexts = [];
            _contextsExport = null;
        }
        if (_mode == ReplyMode.Simple)
        {
            await ReplyErrorAsync(option, OptionReplyType.ErrInvalid, "negotiate NBD_OPT_STRUCTURED_REPLY or NBD_OPT_EXTENDED_HEADERS first", ct);
            return;
        }
        if (!TryParseMetaQuery(data, out var exportName, out var queries, out var problem))
        {
            await ReplyErrorAsync(option, queries == null ? OptionReplyType.ErrInvalid : OptionReplyType.ErrTooBig, problem, ct);
            return;
        }
        IReadOnlyList<string> snapshots;
        using (var export = OpenExport(exportName, out var why))
        {
            if (export == null)
            {
                await ReplyErrorAsync(option, why, $"no export named '{exportName}'", ct);
                return;
            }
            try { snapshots = export.ListChangeTrackingBases(); }
            catch (RewindException e)
            {
                await ReplyErrorAsync(option, OptionReplyType.ErrUnknown, e.Message, ct);
                return;
            }
        }

        var names = new List<string>();
        if (queries.Count == 0)
        {
            if (listing) names.AddRange(MetaContexts.All(snapshots));
        }
        else
        {
            foreach (var q in queries)
            {
                var matched = MetaContexts.Match(q, listing, snapshots);
                if (matched == null)
                {
                    await ReplyErrorAsync(option, OptionReplyType.ErrInvalid, $"query '{q}' has no namespace", ct);
                    return;
                }
                foreach (var m in matched)
                    if (!names.Contains(m)) names.Add(m);
            }
        }

        var selected = new List<MetaContext>();
        _out.Clear();
        for (int i = 0; i < names.Count; i++)
        {
            uint id = listing ? 0 : (uint)(i + 1);
            WriteReplyHeader(option, OptionReplyType.MetaContext, 4 + Encoding.UTF8.GetByteCount(names[i]));
            _out.U32(id);
            _out.Utf8(names[i]);
            if (!listing) selected.Add(MetaContexts.Create(id, names[i]));
            if (_out.WrittenCount > 16 * 1024) await FlushOutAsync(ct);
        }
        WriteReplyHeader(option, OptionReplyType.Ack, 0);
        await FlushOutAsync(ct);
        if (!listing)
        {
            _contexts = selected;
            _contextsExport = exportName;
        }
    }

    /// <summary>Parses "u32 name length, name, u32 query count, (u32 length, query)*", bounds-checked.</summary>
    private static bool TryParseMetaQuery(byte[] data, out string exportName, out List<string> queries, out string problem)
    {
        exportName = "";
        queries = null!;
        problem = "malformed metadata context request";
        var span = data.AsSpan();
        if (!TryReadString(ref span, out exportName)) return false;
        if (span.Length < 4) return false;
        uint count = BinaryPrimitives.ReadUInt32BigEndian(span);
        span = span[4..];
        var list = new List<string>();
        if (count > Limits.MaxMetaContextQueries)
        {
            problem = $"more than {Limits.MaxMetaContextQueries} queries";
            queries = list; // non-null marks "too big" rather than "invalid"
            return false;
        }
        for (uint i = 0; i < count; i++)
        {
            if (!TryReadString(ref span, out var q)) return false;
            list.Add(q);
        }
        if (span.Length != 0) return false;
        queries = list;
        return true;
    }

    private static bool TryReadString(ref Span<byte> span, out string value)
    {
        value = "";
        if (span.Length < 4) return false;
        uint length = BinaryPrimitives.ReadUInt32BigEndian(span);
        if (length > Limits.MaxStringLength || length > (uint)(span.Length - 4)) return false;
        if (!TryDecode(span.Slice(4, (int)length), out value)) return false;
        span = span[(4 + (int)length)..];
        return true;
    }
}
