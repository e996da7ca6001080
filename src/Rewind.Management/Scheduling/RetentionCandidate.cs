namespace Rewind.Management.Scheduling;

/// <summary>A snapshot that retention may keep or prune. <paramref name="Held"/>: a hold protects it from pruning.</summary>
public sealed record RetentionCandidate(string Name, DateTimeOffset CreatedAt, bool Held);
