using Rewind.Engine;

namespace Rewind.Cli.Sites;

/// <summary>A <see cref="VolumeHandle"/> of a pool open in this process.</summary>
public sealed class LocalDevice(VolumeHandle handle) : IBlockDevice
{
    public long Size => handle.Size;
    public int ClusterSize => handle.ClusterSize;
    public void Read(long offset, Span<byte> buffer) => handle.Read(offset, buffer);
    public void Write(long offset, ReadOnlySpan<byte> data) => handle.Write(offset, data);
    public void WriteZeroes(long offset, long length) => handle.WriteZeroes(offset, length);
    public IReadOnlyList<Extent> GetExtents(long offset, long length) => handle.GetExtents(offset, length);
    public void Flush() => handle.Flush();
    public void Dispose() => handle.Dispose();
}
