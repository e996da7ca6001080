namespace Rewind.Management.Scheduling;

/// <summary>
/// What a retention policy does with one snapshot. <paramref name="Keep"/> false means prune would delete it.
/// <paramref name="Reasons"/> names every rule that keeps it, e.g. "last 1", "hourly 2025-03-30 14:00", "daily 2025-03-30",
/// "weekly 2025-W13", "monthly 2025-03", "yearly 2025", "held", or "no policy"; empty when it is not kept.
/// </summary>
public sealed record RetentionDecision(string Name, DateTimeOffset CreatedAt, bool Keep, IReadOnlyList<string> Reasons);
