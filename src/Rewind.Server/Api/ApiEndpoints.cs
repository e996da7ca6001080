using System.Buffers;
using Rewind.Engine;

namespace Rewind.Server.Api;

/// <summary>
/// The control API: one endpoint per engine operation, JSON in and out, the engine's own validation and
/// messages. Data moves as raw bytes (import/export through a running daemon).
/// </summary>
public static class ApiEndpoints
{
    private const int ChunkBytes = 4 << 20;

    public static void Map(WebApplication app, Pool pool, Func<DaemonInfo> info)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapGet("/", () => Results.Json(info()));
        v1.MapGet("/status", () => Run(() => Results.Json(pool.GetStatus())));
        v1.MapPost("/scrub", () => Run(() => Results.Json(pool.Scrub())));
        v1.MapPost("/reclaim", () => Run(() => { pool.ReclaimNow(); return Results.NoContent(); }));

        v1.MapGet("/volumes", () => Run(() => Results.Json(pool.ListVolumes())));
        v1.MapPost("/volumes", (CreateVolumeRequest r) => Run(() => Results.Json(pool.CreateVolume(r.Name, r.Size), statusCode: 201)));
        v1.MapGet("/volumes/{name}", (string name) => Run(() => Results.Json(pool.GetVolume(name))));
        v1.MapPost("/volumes/{name}/resize", (string name, ResizeRequest r) => Run(() => Results.Json(pool.ResizeVolume(name, r.Size))));
        v1.MapPost("/volumes/{name}/rename", (string name, RenameRequest r) => Run(() =>
        {
            pool.RenameVolume(name, r.NewName);
            return Results.Json(pool.GetVolume(r.NewName));
        }));
        v1.MapDelete("/volumes/{name}", (string name, bool? recursive, bool? force) => Run(() =>
        {
            pool.DeleteVolume(name, recursive ?? false, force ?? false);
            return Results.NoContent();
        }));

        v1.MapGet("/snapshots", (string? volume) => Run(() => Results.Json(pool.ListSnapshots(volume))));
        v1.MapPost("/volumes/{name}/snapshots", (string name, SnapshotRequest r) => Run(() => Results.Json(pool.CreateSnapshot(name, r.Name), statusCode: 201)));
        v1.MapDelete("/volumes/{name}/snapshots/{snapshot}", (string name, string snapshot, bool? force) => Run(() =>
        {
            pool.DeleteSnapshot(name, snapshot, force ?? false);
            return Results.NoContent();
        }));
        v1.MapPost("/volumes/{name}/rollback", (string name, RollbackRequest r) => Run(() =>
        {
            pool.Rollback(name, r.Snapshot, r.Force);
            return Results.Json(pool.GetVolume(name));
        }));
        v1.MapPost("/volumes/{name}/snapshots/{snapshot}/clone", (string name, string snapshot, CloneRequest r) =>
            Run(() => Results.Json(pool.Clone(name, snapshot, r.NewName), statusCode: 201)));
        v1.MapGet("/volumes/{name}/diff", (string name, string from, string? to) => Run(() => Results.Json(pool.Diff(name, from, to))));

        v1.MapGet("/volumes/{target}/extents", (string target, long? offset, long? length) => Run(() =>
        {
            using var h = pool.Open(target, readOnly: true);
            long off = offset ?? 0;
            return Results.Json(h.GetExtents(off, length ?? h.Size - off));
        }));
        v1.MapGet("/volumes/{target}/info", (string target) => Run(() =>
        {
            using var h = pool.Open(target, readOnly: true);
            return Results.Json(new { size = h.Size, clusterSize = h.ClusterSize, readOnly = target.Contains('@') });
        }));
        v1.MapPost("/volumes/{name}/zero", (string name, long offset, long length) => Run(() =>
        {
            using var h = pool.Open(name);
            h.WriteZeroes(offset, length);
            return Results.NoContent();
        }));
        v1.MapGet("/volumes/{target}/data", (string target, long? offset, long? length, HttpContext ctx) => RunAsync(async () =>
        {
            using var h = pool.Open(target, readOnly: true);
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
            using var h = pool.Open(name);
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
        v1.MapPost("/flush", () => Run(() => { pool.Flush(); return Results.NoContent(); }));
    }

    private static IResult Run(Func<IResult> action)
    {
        try { return action(); }
        catch (RewindException e) { return ApiErrors.From(e); }
    }

    private static async Task<IResult> RunAsync(Func<Task<IResult>> action)
    {
        try { return await action(); }
        catch (RewindException e) { return ApiErrors.From(e); }
    }
}
