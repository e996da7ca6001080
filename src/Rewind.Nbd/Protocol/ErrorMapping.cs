using Rewind.Engine;

namespace Rewind.Nbd.Protocol;

/// <summary>What the connection does with a failed request.</summary>
internal enum FailureAction
{
    /// <summary>Reply with the error; the connection carries on.</summary>
    Reply,
    /// <summary>The export is gone or replaced (stale handle): end the connection without replying.</summary>
    Disconnect,
}

/// <summary>The one table from engine errors to NBD wire errors.</summary>
internal static class ErrorMapping
{
    /// <param name="writesData">WRITE and WRITE_ZEROES map out-of-range to ENOSPC as the spec asks; others to EINVAL.</param>
    public static (NbdError Error, FailureAction Action) Map(Exception e, bool writesData) => e switch
    {
        RewindException r => r.Kind switch
        {
            ErrorKind.Stale => (NbdError.IO, FailureAction.Disconnect),
            ErrorKind.InvalidArgument => (NbdError.Inval, FailureAction.Reply),
            ErrorKind.NotFound => (NbdError.Inval, FailureAction.Reply),
            ErrorKind.AlreadyExists => (NbdError.Inval, FailureAction.Reply),
            ErrorKind.OutOfRange => (writesData ? NbdError.NoSpc : NbdError.Inval, FailureAction.Reply),
            ErrorKind.ReadOnly => (NbdError.Perm, FailureAction.Reply),
            ErrorKind.NoSpace => (NbdError.NoSpc, FailureAction.Reply),
            ErrorKind.Checksum => (NbdError.IO, FailureAction.Reply),
            ErrorKind.IO => (NbdError.IO, FailureAction.Reply),
            ErrorKind.Busy => (NbdError.IO, FailureAction.Reply),
            _ => (NbdError.IO, FailureAction.Reply),
        },
        // The pool was closed underneath us: the server is going away.
        ObjectDisposedException => (NbdError.Shutdown, FailureAction.Disconnect),
        IOException => (NbdError.IO, FailureAction.Reply),
        _ => (NbdError.IO, FailureAction.Reply),
    };
}
