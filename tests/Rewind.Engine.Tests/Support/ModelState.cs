namespace Rewind.Engine.Tests.Support;

/// <summary>
/// The reference model: what every volume and snapshot must read as, kept as plain byte arrays.
/// Snapshot arrays are never mutated after they are taken, so <see cref="Copy"/> can share them; only
/// live volume contents are copied, which keeps a history of states (for the crash tests) cheap.
/// </summary>
public sealed class ModelState
{
    public sealed class VolumeState
    {
        public byte[] Content = Array.Empty<byte>();
        public List<(string Name, byte[] Content)> Snapshots = new();
    }

    public readonly SortedDictionary<string, VolumeState> Volumes = new(StringComparer.Ordinal);

    public ModelState Copy()
    {
        var copy = new ModelState();
        foreach (var (name, v) in Volumes)
            copy.Volumes[name] = new VolumeState { Content = (byte[])v.Content.Clone(), Snapshots = v.Snapshots.ToList() };
        return copy;
    }

    public void CreateVolume(string name, long size) => Volumes.Add(name, new VolumeState { Content = new byte[size] });

    public void Write(string volume, long offset, ReadOnlySpan<byte> data) => data.CopyTo(Volumes[volume].Content.AsSpan((int)offset));

    public void Zero(string volume, long offset, long length) => Volumes[volume].Content.AsSpan((int)offset, (int)length).Clear();

    public void Snapshot(string volume, string snapshot)
    {
        var v = Volumes[volume];
        v.Snapshots.Add((snapshot, (byte[])v.Content.Clone()));
    }

    public byte[] SnapshotContent(string volume, string snapshot) => Volumes[volume].Snapshots.Single(s => s.Name == snapshot).Content;

    public void Rollback(string volume, string snapshot)
    {
        var v = Volumes[volume];
        v.Content = (byte[])SnapshotContent(volume, snapshot).Clone();
    }

    public void Clone(string volume, string snapshot, string newVolume) =>
        Volumes.Add(newVolume, new VolumeState { Content = (byte[])SnapshotContent(volume, snapshot).Clone() });

    public void DeleteSnapshot(string volume, string snapshot) => Volumes[volume].Snapshots.RemoveAll(s => s.Name == snapshot);

    public void DeleteVolume(string volume) => Volumes.Remove(volume);

    public void Resize(string volume, long size)
    {
        var v = Volumes[volume];
        var grown = new byte[size];
        v.Content.AsSpan(0, (int)Math.Min(size, v.Content.Length)).CopyTo(grown);
        v.Content = grown;
    }

    /// <summary>Bytes of clusters holding anything but zeros: what ReferencedBytes must report.</summary>
    public static long NonZeroClusterBytes(byte[] content, int clusterSize)
    {
        long bytes = 0;
        for (int start = 0; start < content.Length; start += clusterSize)
        {
            int n = Math.Min(clusterSize, content.Length - start);
            if (content.AsSpan(start, n).IndexOfAnyExcept((byte)0) >= 0) bytes += clusterSize;
        }
        return bytes;
    }

    /// <summary>Where two contents differ, treating bytes past either end as zeros (as a shrunk volume reads).</summary>
    public static IEnumerable<long> DifferingOffsets(byte[] a, byte[] b)
    {
        int n = Math.Max(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            byte x = i < a.Length ? a[i] : (byte)0, y = i < b.Length ? b[i] : (byte)0;
            if (x != y) yield return i;
        }
    }
}
