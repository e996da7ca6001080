namespace Rewind.Nbd.Protocol;

/// <summary>The verdict on a request: None to execute it, otherwise the error to answer with.</summary>
internal readonly record struct Verdict(NbdError Error, string? Message)
{
    public static readonly Verdict Ok = new(NbdError.None, null);
    public bool IsOk => Error == NbdError.None;
}

/// <summary>What validation needs to know about the connection and its export.</summary>
internal readonly record struct ExportState(long Size, bool IsReadOnly, ReplyMode Mode, bool HasMetaContexts)
{
    public bool Structured => Mode != ReplyMode.Simple;
}

/// <summary>
/// Every check a request passes before the export sees it, in one place: command, flags, permissions,
/// lengths and range. The engine re-checks ranges (a volume can shrink concurrently); this is the
/// protocol's own contract with the client.
/// </summary>
internal static class RequestValidator
{
    public static Verdict Validate(in Request r, in ExportState e)
    {
        var allowed = AllowedFlags(r.Command, e);
        if (allowed == null) return Fail(NbdError.Inval, $"unknown command {r.Type}");
        if ((r.Flags & ~allowed.Value) != 0) return Fail(NbdError.Inval, $"flags 0x{(ushort)r.Flags:x} are not valid for {r.Command}");

        bool writes = r.Command is Command.Write or Command.Trim or Command.WriteZeroes;
        if (writes && e.IsReadOnly) return Fail(NbdError.Perm, "the export is read-only");

        if (r.Command == Command.Flush)
            return r.Offset == 0 && r.Length == 0 ? Verdict.Ok : Fail(NbdError.Inval, "FLUSH must have zero offset and length");

        if (r.Command == Command.BlockStatus && !(e.Structured && e.HasMetaContexts))
            return Fail(NbdError.Inval, "BLOCK_STATUS needs structured replies and a metadata context selected with NBD_OPT_SET_META_CONTEXT");

        if (r.Length == 0) return Fail(NbdError.Inval, "zero-length request");

        bool payloadLimited = r.Command is Command.Read or Command.Write or Command.Cache;
        if (payloadLimited && r.Length > Limits.MaximumBlockSize)
            return Fail(NbdError.Inval, $"length {r.Length} exceeds the maximum block size {Limits.MaximumBlockSize}");

        ulong size = (ulong)e.Size;
        if (r.Offset > size || r.Length > size - r.Offset)
        {
            var error = r.Command is Command.Write or Command.WriteZeroes ? NbdError.NoSpc : NbdError.Inval;
            return Fail(error, $"offset {r.Offset} length {r.Length} is beyond the end of the export ({size} bytes)");
        }
        return Verdict.Ok;
    }

    /// <summary>Flags a command accepts; null for an unknown command. FUA is accepted everywhere (we advertise it).</summary>
    private static CommandFlags? AllowedFlags(Command c, in ExportState e) => c switch
    {
        Command.Read => CommandFlags.Fua | (e.Structured ? CommandFlags.DontFragment : 0),
        // With extended headers a WRITE should say its payload length is its length; nothing else may
        // carry a payload here (we do not offer NBD_FLAG_BLOCK_STATUS_PAYLOAD).
        Command.Write => CommandFlags.Fua | (e.Mode == ReplyMode.Extended ? CommandFlags.PayloadLength : 0),
        Command.Flush or Command.Trim or Command.Cache => CommandFlags.Fua,
        Command.WriteZeroes => CommandFlags.Fua | CommandFlags.NoHole | CommandFlags.FastZero,
        Command.BlockStatus => CommandFlags.Fua | CommandFlags.ReqOne,
        _ => null,
    };

    private static Verdict Fail(NbdError e, string message) => new(e, message);
}
