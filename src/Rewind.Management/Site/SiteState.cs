using System.Text.Json;
using System.Text.Json.Serialization;
using Rewind.Engine.Storage;
using Rewind.Management.Hooks;

namespace Rewind.Management;

/// <summary>
/// What a site remembers beyond its pools' own metadata, in "site.json" in the default pool's directory:
/// the other pools, the groups, hooks and schedules. Small and rarely changed, so it is rewritten whole
/// and atomically on every change.
/// </summary>
internal sealed class SiteState
{
    public const string FileName = "site.json";

    public List<PoolRecord> Pools { get; set; } = new();
    public List<GroupRecord> Groups { get; set; } = new();
    public Dictionary<string, List<HookSpec>> VolumeHooks { get; set; } = new(StringComparer.Ordinal);
    public List<ScheduleRecord> Schedules { get; set; } = new();

    public sealed record PoolRecord(string Name, string Directory);

    public sealed class GroupRecord
    {
        public string Name { get; set; } = "";
        public List<string> Members { get; set; } = new();
        public List<HookSpec> Hooks { get; set; } = new();
    }

    public sealed class ScheduleRecord
    {
        public string Target { get; set; } = "";
        public string Schedule { get; set; } = "";
        public string Retention { get; set; } = "";
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset? LastRun { get; set; }
    }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static SiteState Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return new SiteState();
        try
        {
            return JsonSerializer.Deserialize<SiteState>(File.ReadAllBytes(path), Json) ?? new SiteState();
        }
        catch (JsonException e)
        {
            throw new Engine.RewindException(Engine.ErrorKind.Checksum,
                $"{path} does not parse ({e.Message}); restore it from a backup or fix the JSON by hand");
        }
    }

    public void Save(string directory) =>
        DurableFiles.Replace(Path.Combine(directory, FileName), JsonSerializer.SerializeToUtf8Bytes(this, Json));
}
