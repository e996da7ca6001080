using Rewind.Engine;

namespace Rewind.Management;

/// <summary>
/// "volume" (the default pool) or "pool/volume": how the CLI, the API and NBD export names address a
/// volume in a site of several pools.
/// </summary>
public readonly record struct VolumeAddress(string Pool, string Volume)
{
    public const string DefaultPool = "default";

    public static VolumeAddress Parse(string text)
    {
        int slash = text.IndexOf('/');
        var address = slash < 0 ? new VolumeAddress(DefaultPool, text) : new VolumeAddress(text[..slash], text[(slash + 1)..]);
        if (!Names.IsValid(address.Pool) || !Names.IsValid(address.Volume))
            throw new RewindException(ErrorKind.InvalidArgument,
                $"'{text}' is not a volume: write VOLUME (in the default pool) or POOL/VOLUME, each part from A-Z a-z 0-9 . _ - :");
        return address;
    }

    /// <summary>"vol@snap" or "pool/vol@snap".</summary>
    public static (VolumeAddress Volume, string Snapshot) ParseSnapshot(string text)
    {
        int at = text.IndexOf('@');
        if (at <= 0 || at == text.Length - 1)
            throw new RewindException(ErrorKind.InvalidArgument, $"'{text}' is not a snapshot: write [POOL/]VOLUME@SNAPSHOT, e.g. fast/web@before-upgrade");
        string snapshot = text[(at + 1)..];
        Names.Validate(snapshot, "snapshot");
        return (Parse(text[..at]), snapshot);
    }

    /// <summary>The short form: bare in the default pool, prefixed elsewhere.</summary>
    public override string ToString() => Pool == DefaultPool ? Volume : $"{Pool}/{Volume}";

    public static string Qualify(string pool, string volume) => new VolumeAddress(pool, volume).ToString();
}
