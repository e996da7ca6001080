namespace Rewind.Management.Scheduling;

/// <summary>
/// One scheduled job the daemon knows: a target (<paramref name="Id"/>, e.g. volume "pool/vol" or a group name) with its
/// schedule. <paramref name="LastRun"/> is the fire time last served (null before the first run); the job never serves
/// a fire time at or before <paramref name="CreatedAt"/>.
/// </summary>
public sealed record ScheduledJob(string Id, Schedule Schedule, DateTimeOffset? LastRun, DateTimeOffset CreatedAt);
