using Rewind.Engine;

namespace Rewind.Cli.Sites;

/// <summary>Block I/O on one volume or snapshot: what import and export need, nothing more.</summary>
public interface IBlockDevice : IDisposable
{
    long Size { get; }
    int ClusterSize { get; }
    void Read(long offset, Span<byte> buffer);
    void Write(long offset, ReadOnlySpan<byte> data);
    void WriteZeroes(long offset, long length);
    IReadOnlyList<Extent> GetExtents(long offset, long length);
    void Flush();
}
