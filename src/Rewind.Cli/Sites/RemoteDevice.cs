using Rewind.Engine;

namespace Rewind.Cli.Sites;

/// <summary>Block I/O through the daemon's API: one HTTP request per chunk the command moves.</summary>
public sealed class RemoteDevice : IBlockDevice
{
    private readonly RemoteSite _site;
    private readonly string _path;
    private readonly bool _readOnly;

    public RemoteDevice(RemoteSite site, string target, bool readOnly)
    {
        _site = site;
        _path = "volumes/" + Uri.EscapeDataString(target);
        _readOnly = readOnly || target.Contains('@');
        // Fails now, with the daemon's message, if the target does not exist.
        var info = _site.Send<DeviceInfo>(HttpMethod.Get, $"{_path}/info");
        Size = info.Size;
        ClusterSize = info.ClusterSize;
    }

    private sealed record DeviceInfo(long Size, int ClusterSize, bool ReadOnly);

    public long Size { get; }
    public int ClusterSize { get; }

    public void Read(long offset, Span<byte> buffer)
    {
        using var response = _site.SendRaw(HttpMethod.Get, $"{_path}/data?offset={offset}&length={buffer.Length}", null, streamResponse: true);
        using var stream = response.Content.ReadAsStream();
        stream.ReadExactly(buffer);
    }

    public void Write(long offset, ReadOnlySpan<byte> data)
    {
        if (_readOnly) throw new RewindException(ErrorKind.ReadOnly, "snapshots are read-only; clone one to get a writable volume");
        using var _ = _site.SendRaw(HttpMethod.Put, $"{_path}/data?offset={offset}&flush=false", new ByteArrayContent(data.ToArray()));
    }

    public void WriteZeroes(long offset, long length) =>
        _site.Send(HttpMethod.Post, $"{_path}/zero?offset={offset}&length={length}");

    public IReadOnlyList<Extent> GetExtents(long offset, long length) =>
        _site.Send<List<Extent>>(HttpMethod.Get, $"{_path}/extents?offset={offset}&length={length}");

    public void Flush() => _site.Send(HttpMethod.Post, "flush");

    public void Dispose() { }
}
