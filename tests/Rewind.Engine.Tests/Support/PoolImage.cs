namespace Rewind.Engine.Tests.Support;

/// <summary>Everything a pool holds, read back through the public API, in a form comparable with the model.</summary>
public sealed class PoolImage
{
    public readonly SortedDictionary<string, (byte[] Content, List<(string Name, byte[] Content)> Snapshots)> Volumes = new(StringComparer.Ordinal);

    public static PoolImage Read(Pool pool)
    {
        var image = new PoolImage();
        foreach (var vol in pool.ListVolumes())
        {
            var snaps = new List<(string, byte[])>();
            foreach (var s in pool.ListSnapshots(vol.Name)) snaps.Add((s.Name, ReadAll(pool, s.FullName)));
            image.Volumes[vol.Name] = (ReadAll(pool, vol.Name), snaps);
        }
        return image;
    }

    public static byte[] ReadAll(Pool pool, string target)
    {
        using var h = pool.Open(target, readOnly: true);
        var bytes = new byte[h.Size];
        h.Read(0, bytes);
        return bytes;
    }

    /// <summary>Null when the image is exactly the model state, else the first difference in words.</summary>
    public string? Difference(ModelState model)
    {
        var names = string.Join(",", Volumes.Keys);
        var expectedNames = string.Join(",", model.Volumes.Keys);
        if (names != expectedNames) return $"volumes [{names}] but expected [{expectedNames}]";
        foreach (var (name, (content, snaps)) in Volumes)
        {
            var expected = model.Volumes[name];
            if (Mismatch(content, expected.Content) is { } d) return $"volume {name}: {d}";
            var snapNames = string.Join(",", snaps.Select(s => s.Name).Order(StringComparer.Ordinal));
            var expectedSnapNames = string.Join(",", expected.Snapshots.Select(s => s.Name).Order(StringComparer.Ordinal));
            if (snapNames != expectedSnapNames) return $"volume {name} has snapshots [{snapNames}] but expected [{expectedSnapNames}]";
            foreach (var (snapName, snapContent) in snaps)
                if (Mismatch(snapContent, expected.Snapshots.Single(s => s.Name == snapName).Content) is { } sd)
                    return $"snapshot {name}@{snapName}: {sd}";
        }
        return null;
    }

    public static string? Mismatch(byte[] actual, byte[] expected)
    {
        if (actual.Length != expected.Length) return $"size {actual.Length} but expected {expected.Length}";
        int at = actual.AsSpan().CommonPrefixLength(expected);
        return at == actual.Length ? null : $"byte {at} is {actual[at]} but expected {expected[at]}";
    }
}
