namespace Rewind.Nbd.Protocol;

/// <summary>Wire constants of the NBD protocol (NetworkBlockDevice/nbd doc/proto.md). All big-endian.</summary>
internal static class Magic
{
    public const ulong NbdMagic = 0x4e42444d41474943;        // "NBDMAGIC"
    public const ulong IHaveOpt = 0x49484156454F5054;        // "IHAVEOPT": newstyle greeting and every option
    public const ulong OptionReply = 0x3e889045565a9;
    public const uint Request = 0x25609513;
    public const uint SimpleReply = 0x67446698;
    public const uint StructuredReply = 0x668e33ef;
    public const uint ExtendedRequest = 0x21e41c71;
    public const uint ExtendedReply = 0x6e8a278c;
}

/// <summary>
/// How replies (and requests) are framed on a connection, from what the handshake agreed: simple replies
/// only; structured reply chunks (NBD_OPT_STRUCTURED_REPLY); or extended headers
/// (NBD_OPT_EXTENDED_HEADERS): 32-byte requests and reply chunks with 64-bit lengths, every reply a chunk.
/// </summary>
internal enum ReplyMode
{
    Simple,
    Structured,
    Extended,
}

[Flags]
internal enum HandshakeFlags : ushort
{
    FixedNewstyle = 1 << 0,
    NoZeroes = 1 << 1,
}

[Flags]
internal enum ClientFlags : uint
{
    FixedNewstyle = 1 << 0,
    NoZeroes = 1 << 1,
    Known = FixedNewstyle | NoZeroes,
}

[Flags]
internal enum TransmissionFlags : ushort
{
    HasFlags = 1 << 0,
    ReadOnly = 1 << 1,
    SendFlush = 1 << 2,
    SendFua = 1 << 3,
    Rotational = 1 << 4,
    SendTrim = 1 << 5,
    SendWriteZeroes = 1 << 6,
    SendDf = 1 << 7,
    CanMultiConn = 1 << 8,
    SendResize = 1 << 9,
    SendCache = 1 << 10,
    SendFastZero = 1 << 11,
}

internal enum Option : uint
{
    ExportName = 1,
    Abort = 2,
    List = 3,
    StartTls = 5,
    Info = 6,
    Go = 7,
    StructuredReply = 8,
    ListMetaContext = 9,
    SetMetaContext = 10,
    ExtendedHeaders = 11,
}

internal enum OptionReplyType : uint
{
    Ack = 1,
    Server = 2,
    Info = 3,
    MetaContext = 4,
    ErrUnsup = 0x80000000 + 1,
    ErrPolicy = 0x80000000 + 2,
    ErrInvalid = 0x80000000 + 3,
    ErrPlatform = 0x80000000 + 4,
    ErrTlsReqd = 0x80000000 + 5,
    ErrUnknown = 0x80000000 + 6,
    ErrShutdown = 0x80000000 + 7,
    ErrBlockSizeReqd = 0x80000000 + 8,
    ErrTooBig = 0x80000000 + 9,
    ErrExtHeaderReqd = 0x80000000 + 10,
}

internal enum InfoType : ushort
{
    Export = 0,
    Name = 1,
    Description = 2,
    BlockSize = 3,
}

internal enum Command : ushort
{
    Read = 0,
    Write = 1,
    Disconnect = 2,
    Flush = 3,
    Trim = 4,
    Cache = 5,
    WriteZeroes = 6,
    BlockStatus = 7,
}

[Flags]
internal enum CommandFlags : ushort
{
    Fua = 1 << 0,
    NoHole = 1 << 1,
    DontFragment = 1 << 2,
    ReqOne = 1 << 3,
    FastZero = 1 << 4,
    PayloadLength = 1 << 5,
}

internal enum ReplyChunkType : ushort
{
    None = 0,
    OffsetData = 1,
    OffsetHole = 2,
    BlockStatus = 5,
    BlockStatusExtended = 6,
    Error = 0x8000 + 1,
    ErrorOffset = 0x8000 + 2,
}

internal static class ReplyFlags
{
    public const ushort Done = 1;
}

/// <summary>The error values the protocol allows in replies (errno numbers on Linux).</summary>
internal enum NbdError : uint
{
    None = 0,
    Perm = 1,
    IO = 5,
    NoMem = 12,
    Inval = 22,
    NoSpc = 28,
    Overflow = 75,
    NotSup = 95,
    Shutdown = 108,
}

/// <summary>Sizes of fixed-layout messages.</summary>
internal static class WireSize
{
    public const int RequestHeader = 28;       // magic 4, flags 2, type 2, cookie 8, offset 8, length 4
    public const int ExtendedRequestHeader = 32; // the same with a 64-bit length
    public const int SimpleReplyHeader = 16;   // magic 4, error 4, cookie 8
    public const int ChunkHeader = 20;         // magic 4, flags 2, type 2, cookie 8, length 4
    public const int ExtendedChunkHeader = 32; // magic 4, flags 2, type 2, cookie 8, offset 8, length 8
    public const int OptionHeader = 16;        // magic 8, option 4, length 4
    public const int OptionReplyHeader = 20;   // magic 8, option 4, type 4, length 4
}
