namespace Rewind.Nbd.Protocol;

/// <summary>Sizes the server enforces and advertises (NBD_INFO_BLOCK_SIZE).</summary>
internal static class Limits
{
    /// <summary>Any byte offset works: the engine merges partial clusters itself.</summary>
    public const uint MinimumBlockSize = 1;

    /// <summary>Largest READ, WRITE or CACHE payload: 32 MiB, what every client can use (2^25).</summary>
    public const uint MaximumBlockSize = 32 * 1024 * 1024;

    /// <summary>Option data beyond this is a denial of service: names are at most 4096 bytes.</summary>
    public const int MaxOptionLength = 64 * 1024;

    /// <summary>Export names and metadata-context queries (protocol strings).</summary>
    public const int MaxStringLength = 4096;

    /// <summary>Queries in one LIST/SET_META_CONTEXT.</summary>
    public const int MaxMetaContextQueries = 128;

    /// <summary>Options in one handshake before the client is considered abusive.</summary>
    public const int MaxOptionsPerHandshake = 4096;

    /// <summary>An oversized WRITE payload up to this size is read and dropped to keep the stream in step; beyond, disconnect.</summary>
    public const long MaxDiscardedWritePayload = 256L * 1024 * 1024;

    /// <summary>Block status looks at most this much of the export per request; clients ask again for the rest.</summary>
    public const long MaxBlockStatusSpan = 1L << 31;

    /// <summary>The same with extended headers, whose 64-bit descriptors can describe more in one reply.</summary>
    public const long MaxBlockStatusSpanExtended = 1L << 34;

    /// <summary>Descriptors in one block-status chunk (16 bytes each at most): the reply then covers less than asked.</summary>
    public const int MaxBlockStatusDescriptors = 64 * 1024;

    /// <summary>Cap on the UTF-8 length of an error message sent in a structured error chunk.</summary>
    public const int MaxErrorMessageBytes = 1024;
}
