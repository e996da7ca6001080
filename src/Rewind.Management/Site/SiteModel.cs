using Rewind.Engine;
using Rewind.Management.Hooks;

namespace Rewind.Management;

/// <summary>A pool the site serves. <paramref name="Error"/> says why it could not be opened, if it could not.</summary>
public sealed record PoolEntry(string Name, string Directory, bool IsDefault, string? Error);

/// <summary>A consistency group: volumes (from any pools) snapshotted at one instant, with the hooks run around the cut.</summary>
public sealed record GroupInfo(string Name, IReadOnlyList<string> Members, IReadOnlyList<HookSpec> Hooks, ScheduleInfo? Schedule);

/// <summary>What a group (or hooked volume) snapshot did.</summary>
/// <param name="PauseMs">How long writers to the members were held off for the cut.</param>
public sealed record GroupSnapshotInfo(
    string Target, string Snapshot, IReadOnlyList<SnapshotInfo> Members, bool ApplicationConsistent,
    double PauseMs, IReadOnlyList<HookRun> Hooks, IReadOnlyList<string> Warnings);

/// <summary>A schedule and retention policy of a volume or group, with when it last ran and runs next.</summary>
public sealed record ScheduleInfo(string Target, string Schedule, string Retention, DateTimeOffset CreatedAt,
    DateTimeOffset? LastRun, DateTimeOffset? NextRun);

/// <summary>The decisions of a prune, and whether it only showed them.</summary>
public sealed record PruneReport(string Target, string Policy, bool DryRun, IReadOnlyList<PruneDecision> Decisions);

public sealed record PruneDecision(string Snapshot, DateTimeOffset CreatedAt, bool Keep, IReadOnlyList<string> Reasons);

/// <summary>One management operation as the audit log keeps it.</summary>
public sealed record AuditEntry(DateTimeOffset Time, string User, string Operation, string Target, string Result, string? Error,
    IReadOnlyDictionary<string, string>? Details);

/// <summary>How a site is opened.</summary>
public sealed record SiteOptions
{
    /// <summary>Written into each pool's lock-owner file, for the error a second opener sees.</summary>
    public string Holder { get; init; } = "rewind";

    /// <summary>Who acts when no front end says otherwise (the audit log's "user").</summary>
    public string User { get; init; } = Environment.UserName;

    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Local time for schedules and retention calendars.</summary>
    public TimeZoneInfo Zone { get; init; } = TimeZoneInfo.Local;

    /// <summary>How each pool is opened (tests pass simulated storage or turn background work off).</summary>
    public Func<string, PoolOptions>? PoolOptionsFor { get; init; }
}
