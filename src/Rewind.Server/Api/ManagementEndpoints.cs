using Microsoft.AspNetCore.Routing;
using Rewind.Management;
using Rewind.Management.Hooks;
using static Rewind.Server.Api.ApiEndpoints;

namespace Rewind.Server.Api;

/// <summary>
/// The management plane's routes: pools, groups, hooks, schedules, prune and the audit log. A "target"
/// is a group's name or a volume's address.
/// </summary>
public static class ManagementEndpoints
{
    public static void Map(RouteGroupBuilder v1, Site site)
    {
        v1.MapGet("/pools", () => Run(() => Results.Json(site.ListPools())));
        v1.MapPost("/pools", (CreatePoolRequest r) => Run(() => Results.Json(site.AddPool(r.Name, r.Directory), statusCode: 201)));
        v1.MapDelete("/pools/{name}", (string name) => Run(() => { site.RemovePool(name); return Results.NoContent(); }));

        v1.MapGet("/groups", () => Run(() => Results.Json(site.ListGroups())));
        v1.MapPost("/groups", (CreateGroupRequest r) => Run(() => Results.Json(site.CreateGroup(r.Name, r.Members), statusCode: 201)));
        v1.MapGet("/groups/{name}", (string name) => Run(() => Results.Json(site.GetGroup(name))));
        v1.MapDelete("/groups/{name}", (string name) => Run(() => { site.DeleteGroup(name); return Results.NoContent(); }));
        v1.MapPost("/groups/{name}/members", (string name, MembersRequest r) => Run(() => Results.Json(site.AddGroupMembers(name, r.Members))));
        v1.MapPost("/groups/{name}/members/remove", (string name, MembersRequest r) => Run(() => Results.Json(site.RemoveGroupMembers(name, r.Members))));
        v1.MapPost("/groups/{name}/snapshots", (string name, SnapshotRequest r) => RunAsync(async () =>
            Results.Json(await site.SnapshotGroupAsync(name, r.Name, r.Reason), statusCode: 201)));
        v1.MapGet("/groups/{name}/snapshots", (string name) => Run(() =>
            Results.Json(site.ListGroupSnapshots(name).Select(s => new { name = s.Name, createdAt = s.CreatedAt, held = s.Held }))));
        v1.MapDelete("/groups/{name}/snapshots/{snapshot}", (string name, string snapshot, bool? force) => Run(() =>
        {
            site.DeleteGroupSnapshot(name, snapshot, force ?? false);
            return Results.NoContent();
        }));
        v1.MapPost("/groups/{name}/rollback", (string name, RollbackRequest r) => Run(() =>
        {
            site.RollbackGroup(name, r.Snapshot, r.Force);
            return Results.NoContent();
        }));
        v1.MapPost("/groups/{name}/snapshots/{snapshot}/clone", (string name, string snapshot, GroupCloneRequest r) =>
            Run(() => Results.Json(site.CloneGroup(name, snapshot, r.Prefix), statusCode: 201)));
        v1.MapPost("/groups/{name}/snapshots/{snapshot}/hold", (string name, string snapshot, HoldRequest r) => Run(() =>
        {
            site.HoldGroup(name, snapshot, r.Tag, release: false);
            return Results.NoContent();
        }));
        v1.MapPost("/groups/{name}/snapshots/{snapshot}/release", (string name, string snapshot, HoldRequest r) => Run(() =>
        {
            site.HoldGroup(name, snapshot, r.Tag, release: true);
            return Results.NoContent();
        }));

        v1.MapGet("/targets/{target}/hooks", (string target) => Run(() => Results.Json(site.ListHooks(N(target)))));
        v1.MapPost("/targets/{target}/hooks", (string target, HookSpec hook) => Run(() => Results.Json(site.AddHook(N(target), hook))));
        v1.MapDelete("/targets/{target}/hooks/{hook}", (string target, string hook) => Run(() => Results.Json(site.RemoveHook(N(target), hook))));

        v1.MapGet("/schedules", () => Run(() => Results.Json(site.ListSchedules())));
        v1.MapPut("/targets/{target}/schedule", (string target, ScheduleRequest r) =>
            Run(() => Results.Json(site.SetSchedule(N(target), r.Schedule, r.Retention))));
        v1.MapDelete("/targets/{target}/schedule", (string target) => Run(() => { site.ClearSchedule(N(target)); return Results.NoContent(); }));
        v1.MapPost("/targets/{target}/prune", (string target, PruneRequest r) => Run(() => Results.Json(site.Prune(N(target), r.DryRun, r.Policy))));

        v1.MapGet("/audit", (int? last, DateTimeOffset? since) => Run(() => Results.Json(site.Audit.Read(last, since))));
    }
}
