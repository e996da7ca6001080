namespace Rewind.Engine;

/// <summary>What went wrong, in terms every front end (CLI exit codes, NBD errno, HTTP status) can map.</summary>
public enum ErrorKind
{
    /// <summary>A name, size, offset or option the caller gave is not acceptable.</summary>
    InvalidArgument,
    /// <summary>The named volume or snapshot does not exist.</summary>
    NotFound,
    /// <summary>The name is already taken.</summary>
    AlreadyExists,
    /// <summary>An offset or length falls outside the volume.</summary>
    OutOfRange,
    /// <summary>A write to a snapshot (or another read-only handle).</summary>
    ReadOnly,
    /// <summary>The object is in use (open handles, pool held by another process).</summary>
    Busy,
    /// <summary>Stored data or metadata failed its checksum: an I/O error for that range.</summary>
    Checksum,
    /// <summary>An operating-system I/O error, or the pool refused writes after one.</summary>
    IO,
    /// <summary>The filesystem under the pool is full.</summary>
    NoSpace,
    /// <summary>The handle was invalidated (its volume was rolled back or deleted underneath it).</summary>
    Stale,
    /// <summary>A quiesce hook around a snapshot failed or timed out, so nothing was taken.</summary>
    HookFailed,
}

/// <summary>The one exception type the engine throws on purpose. Messages say what to do next.</summary>
public class RewindException : Exception
{
    public ErrorKind Kind { get; }

    public RewindException(ErrorKind kind, string message, Exception? inner = null) : base(message, inner)
    {
        Kind = kind;
    }
}

/// <summary>A checksum mismatch on read: names the volume (or snapshot) and the byte offset.</summary>
public sealed class ChecksumException : RewindException
{
    public string Target { get; }
    public long Offset { get; }

    public ChecksumException(string target, long offset, string detail)
        : base(ErrorKind.Checksum, $"checksum mismatch in {target} at offset {offset}: {detail}; the data in this range is damaged; run 'rewind scrub' for a full report")
    {
        Target = target;
        Offset = offset;
    }
}
