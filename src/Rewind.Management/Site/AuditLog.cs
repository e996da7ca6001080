using System.Text;
using System.Text.Json;
using Rewind.Engine.Storage;

namespace Rewind.Management;

/// <summary>
/// Every management operation — who, what, when, and how it ended — as JSON lines in "audit.log" in the
/// default pool's directory. Appended and synced before the operation's answer goes out.
/// </summary>
public sealed class AuditLog(string directory)
{
    public const string FileName = "audit.log";
    private static readonly System.Text.Json.JsonSerializerOptions LineJson = new(SiteState.Json) { WriteIndented = false };
    private readonly object _gate = new();
    private string PathName => Path.Combine(directory, FileName);

    public void Append(AuditEntry entry)
    {
        var line = JsonSerializer.SerializeToUtf8Bytes(entry, LineJson);
        var bytes = new byte[line.Length + 1];
        line.CopyTo(bytes, 0);
        bytes[^1] = (byte)'\n';
        lock (_gate)
        {
            try { DurableFiles.Append(PathName, bytes); }
            catch (IOException) { /* an audit line that cannot be written must not fail the operation it describes */ }
        }
    }

    /// <summary>The newest <paramref name="last"/> entries (all when null), oldest first, optionally since a time.</summary>
    public IReadOnlyList<AuditEntry> Read(int? last = null, DateTimeOffset? since = null)
    {
        string[] lines;
        lock (_gate)
        {
            if (!File.Exists(PathName)) return [];
            lines = File.ReadAllLines(PathName, Encoding.UTF8);
        }
        var entries = new List<AuditEntry>();
        foreach (var line in lines)
        {
            if (line.Length == 0) continue;
            try
            {
                if (JsonSerializer.Deserialize<AuditEntry>(line, SiteState.Json) is { } e && (since == null || e.Time >= since))
                    entries.Add(e);
            }
            catch (JsonException) { /* a line torn by a crash: skip it */ }
        }
        return last is { } n && entries.Count > n ? entries[^n..] : entries;
    }
}
