using System.Buffers;
using Rewind.Engine;
using Rewind.Management;

namespace Rewind.Server.Api;

/// <summary>
/// The control API: one endpoint per engine operation, JSON in and out, the engine's own validation and
/// messages. Data moves as raw bytes (import/export through a running daemon).
/// </summary>
public static class ApiEndpoints
{
    private const int ChunkBytes = 4 << 20;

    public static void Map(WebApplication app, Site site, Func<DaemonInfo> info)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapGet("/", () => Results.Json(info()));
        v1.MapGet("/status", (string? pool) => Run(() => Results.Json(site.GetStatus(pool))));
        v1.MapPost("/scrub", (string? pool) => Run(() => Results.Json(site.Scrub(pool))));
        v1.MapPost("/reclaim", (string? pool) => Run(() => { site.PoolNamed(pool ?? VolumeAddress.DefaultPool).ReclaimNow(); return Results.NoContent(); }));

        v1.MapGet("/volumes", () => Run(() => Results.Json(site.ListVolumes())));
        v1.MapPost("/volumes", (CreateVolumeRequest r) => Run(() => Results.Json(site.CreateVolume(r.Name, r.Size), statusCode: 201)));
        v1.MapGet("/volumes/{name}", (string name) => Run(() => Results.Json(site.GetVolume(N(name)))));
        v1.MapPost("/volumes/{name}/resize", (string name, ResizeRequest r) => Run(() => Results.Json(site.ResizeVolume(N(name), r.Size))));
        v1.MapPost("/volumes/{name}/rename", (string name, RenameRequest r) => Run(() =>
        {
            site.RenameVolume(N(name), r.NewName);
            return Results.Json(site.GetVolume(Renamed(N(name), r.NewName)));
        }));
        v1.MapDelete("/volumes/{name}", (string name, bool? recursive, bool? force) => Run(() =>
        {
            site.DeleteVolume(N(name), recursive ?? false, force ?? false);
            return Results.NoContent();
        }));

        v1.MapGet("/snapshots", (string? volume) => Run(() => Results.Json(site.ListSnapshots(volume))));
        v1.MapPost("/volumes/{name}/snapshots", (string name, SnapshotRequest r) => RunAsync(async () =>
            Results.Json(await site.CreateSnapshotAsync(N(name), r.Name, r.Reason), statusCode: 201)));
        v1.MapPost("/volumes/{name}/snapshots/{snapshot}/hold", (string name, string snapshot, HoldRequest r) =>
            Run(() => Results.Json(site.Hold(N(name), snapshot, r.Tag))));
        v1.MapPost("/volumes/{name}/snapshots/{snapshot}/release", (string name, string snapshot, HoldRequest r) =>
            Run(() => Results.Json(site.Release(N(name), snapshot, r.Tag))));
        v1.MapDelete("/volumes/{name}/snapshots/{snapshot}", (string name, string snapshot, bool? force) => Run(() =>
        {
            site.DeleteSnapshot(N(name), snapshot, force ?? false);
            return Results.NoContent();
        }));
        v1.MapPost("/volumes/{name}/rollback", (string name, RollbackRequest r) => Run(() =>
        {
            site.Rollback(N(name), r.Snapshot, r.Force);
            return Results.Json(site.GetVolume(N(name)));
        }));
        v1.MapPost("/volumes/{name}/snapshots/{snapshot}/clone", (string name, string snapshot, CloneRequest r) =>
            Run(() => Results.Json(site.Clone(N(name), snapshot, r.NewName), statusCode: 201)));
        v1.MapGet("/volumes/{name}/diff", (string name, string from, string? to) => Run(() => Results.Json(site.Diff(N(name), from, to))));

        v1.MapGet("/volumes/{target}/extents", (string target, long? offset, long? length) => Run(() =>
        {
            using var h = site.Open(N(target), readOnly: true);
            long off = offset ?? 0;
            return Results.Json(h.GetExtents(off, length ?? h.Size - off));
        }));
        v1.MapGet("/volumes/{target}/info", (string target) => Run(() =>
        {
            using var h = site.Open(N(target), readOnly: true);
            return Results.Json(new { size = h.Size, clusterSize = h.ClusterSize, readOnly = target.Contains('@') });
        }));
        v1.MapPost("/volumes/{name}/zero", (string name, long offset, long length) => Run(() =>
        {
            using var h = site.Open(N(name), readOnly: false);
            h.WriteZeroes(offset, length);
            return Results.NoContent();
        }));
        v1.MapGet("/volumes/{target}/data", (string target, long? offset, long? length, HttpContext ctx) => RunAsync(async () =>
        {
            using var h = site.Open(N(target), readOnly: true);
            long off = offset ?? 0, len = length ?? h.Size - off;
            h.GetExtents(off, len); // validates the range before any byte is sent
            ctx.Response.ContentType = "application/octet-stream";
            ctx.Response.ContentLength = len;
            var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            try
            {
                for (long pos = off; pos < off + len;)
                {
                    int n = (int)Math.Min(ChunkBytes, off + len - pos);
                    h.Read(pos, buffer.AsSpan(0, n));
                    await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, n));
                    pos += n;
                }
            }
            finally { ArrayPool<byte>.Shared.Return(buffer); }
            return Results.Empty;
        }));
        v1.MapPut("/volumes/{name}/data", (string name, long? offset, bool? flush, HttpContext ctx) => RunAsync(async () =>
        {
            using var h = site.Open(N(name), readOnly: false);
            long pos = offset ?? 0;
            var buffer = ArrayPool<byte>.Shared.Rent(ChunkBytes);
            try
            {
                while (true)
                {
                    int filled = 0;
                    while (filled < ChunkBytes)
                    {
                        int n = await ctx.Request.Body.ReadAsync(buffer.AsMemory(filled, ChunkBytes - filled));
                        if (n == 0) break;
                        filled += n;
                    }
                    if (filled == 0) break;
                    var chunk = buffer.AsSpan(0, filled);
                    if (chunk.IndexOfAnyExcept((byte)0) < 0) h.WriteZeroes(pos, filled);
                    else h.Write(pos, chunk);
                    pos += filled;
                    if (filled < ChunkBytes) break;
                }
                if (flush ?? true) h.Flush();
            }
            finally { ArrayPool<byte>.Shared.Return(buffer); }
            return Results.Json(new { written = pos - (offset ?? 0) });
        }));
        v1.MapPost("/flush", () => Run(() => { foreach (var p in site.Pools.Values) p.Flush(); return Results.NoContent(); }));
        ManagementEndpoints.Map(v1, site);
    }

    /// <summary>A volume address from a route: clients escape the '/' of "pool/volume" as %2F, which routing leaves escaped.</summary>
    internal static string N(string routeValue) => Uri.UnescapeDataString(routeValue);

    /// <summary>The address a volume has after a rename: the new bare name in the old pool.</summary>
    private static string Renamed(string volume, string newName) =>
        newName.Contains('/') ? newName : VolumeAddress.Qualify(VolumeAddress.Parse(volume).Pool, newName);

    internal static IResult Run(Func<IResult> action)
    {
        try { return action(); }
        catch (RewindException e) { return ApiErrors.From(e); }
    }

    internal static async Task<IResult> RunAsync(Func<Task<IResult>> action)
    {
        try { return await action(); }
        catch (RewindException e) { return ApiErrors.From(e); }
    }
}
