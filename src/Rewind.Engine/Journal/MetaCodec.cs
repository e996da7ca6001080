using System.Text.Json;
using System.Text.Json.Serialization;

namespace Rewind.Engine.Journal;

/// <summary>One snapshot a group cut creates in a pool.</summary>
internal sealed record PreparedSnapshot(long VolumeId, long SnapshotId, string Name);

/// <summary>The body of a GroupPrepare record: every member snapshot this pool holds of one cut.</summary>
internal sealed record GroupPrepareBody(IReadOnlyList<PreparedSnapshot> Snapshots, SnapshotMeta Meta, bool Pending);

/// <summary>
/// Snapshot metadata travels in journal records and checkpoints as compact JSON: it is small, rare
/// (once per snapshot) and must stay readable when fields are added later.
/// </summary>
internal static class MetaCodec
{
    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault,
    };

    public static string Encode(SnapshotMeta meta) =>
        meta == SnapshotMeta.None || meta == new SnapshotMeta() ? "" : JsonSerializer.Serialize(meta, Options);

    public static SnapshotMeta DecodeMeta(string text) =>
        text.Length == 0 ? SnapshotMeta.None : JsonSerializer.Deserialize<SnapshotMeta>(text, Options) ?? SnapshotMeta.None;

    public static string Encode(GroupPrepareBody body) => JsonSerializer.Serialize(body, Options);

    public static GroupPrepareBody DecodePrepare(string text) =>
        JsonSerializer.Deserialize<GroupPrepareBody>(text, Options)
        ?? throw new JsonException("empty group prepare record");

    public static string EncodeHolds(IEnumerable<string> tags) => string.Join('\n', tags);

    public static List<string> DecodeHolds(string text) =>
        text.Length == 0 ? new List<string>() : text.Split('\n').ToList();
}
