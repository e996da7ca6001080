using Rewind.Nbd.Exports;
using Rewind.Nbd.Protocol;

namespace Rewind.Nbd.Server;

/// <summary>What option haggling agreed on; the transmission phase runs with it.</summary>
internal sealed record HandshakeResult(
    Stream Stream,
    FrameReader Reader,
    IExport Export,
    TransmissionFlags Flags,
    ReplyMode Mode,
    IReadOnlyList<MetaContext> MetaContexts);
