namespace Rewind.Engine;

/// <summary>A stretch of a buffer: data, or all zeros.</summary>
public readonly record struct ZeroRun(int Start, int Length, bool IsZero);

/// <summary>
/// The maximal runs of data and of all-zero granules in a buffer that sits at <c>offset</c> of a
/// device, granules aligned to multiples of the granule size on the device (so the first and last may be
/// short). Import and export leave zero runs as holes; NBD sends them as hole chunks. Allocation-free:
/// <c>foreach (var run in ZeroRuns.Of(buffer, offset, granule))</c>.
/// </summary>
public ref struct ZeroRuns
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly long _offset;
    private readonly int _granule;
    private int _next;

    private ZeroRuns(ReadOnlySpan<byte> buffer, long offset, int granule)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(granule);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        _buffer = buffer;
        _offset = offset;
        _granule = granule;
    }

    public static ZeroRuns Of(ReadOnlySpan<byte> buffer, long offset, int granule) => new(buffer, offset, granule);

    public readonly ZeroRuns GetEnumerator() => this;

    public ZeroRun Current { get; private set; }

    public bool MoveNext()
    {
        if (_next >= _buffer.Length) return false;
        int start = _next;
        bool? runIsZero = null;
        while (_next < _buffer.Length)
        {
            int take = (int)Math.Min(_granule - (_offset + _next) % _granule, _buffer.Length - _next);
            bool isZero = !_buffer.Slice(_next, take).ContainsAnyExcept((byte)0);
            if (runIsZero == null) runIsZero = isZero;
            else if (isZero != runIsZero) break;
            _next += take;
        }
        Current = new ZeroRun(start, _next - start, runIsZero!.Value);
        return true;
    }
}
