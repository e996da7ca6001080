using System.Text.Json;
using Rewind.Engine;
using Rewind.Nbd.Tests.Support;

namespace Rewind.Nbd.Tests;

/// <summary>libnbd's tools (nbdinfo, nbdcopy, nbdsh) against the server.</summary>
public sealed class LibnbdClientTests
{
    private const int Cluster = 64 * 1024;
    private const long MiB = 1024 * 1024;

    private static byte[] Pattern(int length, byte value)
    {
        var b = new byte[length];
        Array.Fill(b, value);
        return b;
    }

    [Fact]
    public async Task NbdinfoMapReportsDataWhereWrittenAndHolesEverywhereElse()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("mapped", 4 * MiB);
        using (var h = s.Pool.Open("mapped"))
        {
            h.Write(Cluster, Pattern(Cluster, 1));            // cluster 1
            h.Write(5 * Cluster + 10, Pattern(100, 2));       // inside cluster 5
            h.Write(20 * Cluster, Pattern(3 * Cluster, 3));   // clusters 20-22
            h.Flush();
        }

        var r = Tools.Ok("nbdinfo", "--map", "--json", s.TcpUri("mapped"));
        var runs = JsonDocument.Parse(r.Stdout).RootElement.EnumerateArray()
            .Select(e => (Offset: e.GetProperty("offset").GetInt64(), Length: e.GetProperty("length").GetInt64(), Type: e.GetProperty("type").GetInt32()))
            .ToList();
        // type 0 = data, 3 = hole|zero
        var expected = new List<(long, long, int)>
        {
            (0, Cluster, 3),
            (Cluster, Cluster, 0),
            (2 * Cluster, 3 * Cluster, 3),
            (5 * Cluster, Cluster, 0),
            (6 * Cluster, 14 * Cluster, 3),
            (20 * Cluster, 3 * Cluster, 0),
            (23 * Cluster, 4 * MiB - 23 * Cluster, 3),
        };
        Assert.Equal(expected, runs);
    }

    [Fact]
    public async Task NbdshStructuredReadsSeeHoleChunksForZerosAndOneChunkWithDontFragment()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("sparse", 4 * MiB);
        using (var h = s.Pool.Open("sparse"))
        {
            h.Write(Cluster, Pattern(Cluster, 7));                 // 64 KiB..128 KiB
            h.Write(3 * MiB + 8192, Pattern(4096, 9));            // one 4 KiB granule
            h.Write(2 * MiB, new byte[Cluster]);                   // zeros written as data read as a hole too
        }
        // libnbd calls back once per chunk: (offset, length, status) with status 1 = data, 2 = hole.
        var script = $$"""
            import nbd, json
            h = nbd.NBD()
            h.connect_uri("{{s.UnixUri("sparse")}}")
            assert h.get_structured_replies_negotiated()
            def read(flags):
                chunks = []
                def chunk(subbuf, offset, status, error):
                    chunks.append([offset, len(subbuf), status, sum(1 for b in subbuf if b)])
                    return 0
                buf = h.pread_structured(4 * 1024 * 1024, 0, chunk, flags)
                chunks.sort()
                return {"chunks": chunks, "nonzero": sum(1 for b in buf if b)}
            print(json.dumps({"sparse": read(0), "df": read(nbd.CMD_FLAG_DF)}))
            """;
        var result = JsonDocument.Parse(Tools.NbdshScript(script).Stdout).RootElement;
        var chunks = result.GetProperty("sparse").GetProperty("chunks").EnumerateArray()
            .Select(c => (Offset: c[0].GetInt64(), Length: c[1].GetInt64(), Status: c[2].GetInt32(), NonZero: c[3].GetInt64()))
            .ToList();
        var expected = new List<(long, long, int)>
        {
            (0, Cluster, 2),
            (Cluster, Cluster, 1),
            (2 * Cluster, 3 * MiB + 8192 - 2 * Cluster, 2),
            (3 * MiB + 8192, 4096, 1),
            (3 * MiB + 12288, MiB - 12288, 2),
        };
        Assert.Equal(expected, chunks.Select(c => (c.Offset, c.Length, c.Status)));
        Assert.Equal(Cluster + 4096, chunks.Sum(c => c.NonZero));
        Assert.Equal(Cluster + 4096, result.GetProperty("sparse").GetProperty("nonzero").GetInt64());

        var df = result.GetProperty("df").GetProperty("chunks").EnumerateArray().ToList();
        var only = Assert.Single(df);
        Assert.Equal((0L, 4 * MiB, 1), (only[0].GetInt64(), only[1].GetInt64(), only[2].GetInt32()));
        Assert.Equal(Cluster + 4096, result.GetProperty("df").GetProperty("nonzero").GetInt64());
    }

    [Fact]
    public async Task NbdinfoListShowsEveryVolumeAndSnapshot()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("alpha", MiB);
        s.Pool.CreateVolume("beta", 2 * MiB);
        s.Pool.CreateSnapshot("alpha", "monday");
        s.Pool.CreateSnapshot("alpha", "tuesday");

        var r = Tools.Ok("nbdinfo", "--list", "--json", s.UnixUri(""));
        var exports = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("exports").EnumerateArray()
            .ToDictionary(e => e.GetProperty("export-name").GetString()!, e => e);
        Assert.Equal(new[] { "alpha", "alpha@monday", "alpha@tuesday", "beta" }, exports.Keys.Order());
        Assert.Equal(2 * MiB, exports["beta"].GetProperty("export-size").GetInt64());
        Assert.True(exports["alpha@monday"].GetProperty("is_read_only").GetBoolean());
        Assert.False(exports["alpha"].GetProperty("is_read_only").GetBoolean());

        // Created while the server runs: served at once, under the new name after a rename.
        s.Pool.CreateVolume("gamma", MiB);
        s.Pool.RenameVolume("beta", "delta");
        var after = Tools.Ok("nbdinfo", "--list", "--json", s.UnixUri(""));
        var names = JsonDocument.Parse(after.Stdout).RootElement.GetProperty("exports").EnumerateArray()
            .Select(e => e.GetProperty("export-name").GetString()).Order().ToArray();
        Assert.Equal(new[] { "alpha", "alpha@monday", "alpha@tuesday", "delta", "gamma" }, names);
        Assert.Equal(0, Tools.Run("nbdinfo", ["--size", s.UnixUri("delta")]).ExitCode);
        Assert.NotEqual(0, Tools.Run("nbdinfo", ["--size", s.UnixUri("beta")]).ExitCode);
    }

    [Fact]
    public async Task NbdcopyWithSeveralConnectionsCopiesBothWaysByteForByte()
    {
        await using var s = await ServerFixture.StartAsync();
        long size = 48 * MiB;
        var source = s.TempFile("source.raw");
        var rng = new Random(7);
        using (var f = new FileStream(source, FileMode.Create))
        {
            f.SetLength(size);
            var chunk = new byte[3 * MiB + 123];
            for (long pos = 0; pos + chunk.Length < size; pos += 7 * MiB)
            {
                rng.NextBytes(chunk);
                f.Position = pos;
                f.Write(chunk);
            }
        }
        s.Pool.CreateVolume("copy", size);

        Tools.Ok("nbdcopy", "--connections=4", "--requests=16", source, s.TcpUri("copy"));
        var back = s.TempFile("back.raw");
        Tools.Ok("nbdcopy", "--connections=4", "--requests=16", s.UnixUri("copy"), back);
        Tools.Ok("cmp", source, back);
    }

    [Fact]
    public async Task NbdshSeesTheProtocolErrorsTheSpecAsksFor()
    {
        await using var s = await ServerFixture.StartAsync();
        s.Pool.CreateVolume("err", MiB);
        s.Pool.CreateSnapshot("err", "frozen");

        var r = Tools.NbdshScript($$"""
            import errno

            def expect(errnum, what, fn):
                try:
                    fn()
                except nbd.Error as e:
                    # libnbd: e.errnum is the number, e.errno its name
                    if e.errnum != errnum:
                        raise SystemExit(f"{what}: {e.errno} ({e.string}), expected {errno.errorcode[errnum]}")
                    print(f"{what}: {e.errno}")
                    return
                raise SystemExit(f"{what}: succeeded, expected errno {errnum}")

            rw = nbd.NBD()
            rw.set_strict_mode(0)   # let bad requests reach the server instead of failing in libnbd
            rw.connect_uri("{{s.TcpUri("err")}}")
            expect(errno.EINVAL, "read past end", lambda: rw.pread(4096, {{MiB}} - 1024))
            expect(errno.EINVAL, "read starting past end", lambda: rw.pread(512, {{MiB}} + 512))
            expect(errno.ENOSPC, "write past end", lambda: rw.pwrite(b"x" * 4096, {{MiB}} - 1024))
            expect(errno.EINVAL, "trim past end", lambda: rw.trim(8192, {{MiB}}))
            rw.pwrite(b"y" * 4096, 0)
            assert rw.pread(4096, 0) == b"y" * 4096
            rw.shutdown()

            ro = nbd.NBD()
            ro.set_strict_mode(0)
            ro.connect_uri("{{s.UnixUri("err@frozen")}}")
            assert ro.is_read_only()
            expect(errno.EPERM, "write to snapshot", lambda: ro.pwrite(b"z" * 512, 0))
            expect(errno.EPERM, "trim on snapshot", lambda: ro.trim(512, 0))
            expect(errno.EPERM, "zero on snapshot", lambda: ro.zero(512, 0))
            assert ro.pread(4096, 0) == bytes(4096), "the snapshot must still read as zeros"
            ro.shutdown()
            print("done")
            """);
        Assert.Contains("done", r.Stdout);
    }

    [Fact]
    public async Task BlockStatusWithRewindChangedContextReportsExactlyTheRangesWrittenAfterTheSnapshot()
    {
        await using var s = await ServerFixture.StartAsync();
        long size = 2 * MiB;
        s.Pool.CreateVolume("cbt", size);
        using (var h = s.Pool.Open("cbt"))
        {
            h.Write(0, Pattern(4 * Cluster, 9)); // before the snapshot: not a change
            s.Pool.CreateSnapshot("cbt", "base");
            h.Write(3 * Cluster + 100, Pattern(10, 1));       // cluster 3
            h.Write(10 * Cluster + 5, Pattern(Cluster, 2));   // clusters 10-11
            h.Trim(20 * Cluster, Cluster);                    // trimmed but was a hole: unchanged
            h.Trim(1 * Cluster, Cluster);                     // cluster 1 lost its data: changed
        }

        var r = Tools.NbdshScript($$"""
            h = nbd.NBD()
            h.add_meta_context("rewind:changed:base")
            h.add_meta_context("base:allocation")
            h.connect_uri("{{s.TcpUri("cbt")}}")
            assert h.can_meta_context("rewind:changed:base"), "context not negotiated"
            size = h.get_size()
            changed = []
            pos = 0
            while pos < size:
                got = []
                def cb(ctx, offset, entries, err):
                    if ctx == "rewind:changed:base":
                        got.extend(zip(entries[0::2], entries[1::2]))
                    return 0
                h.block_status(size - pos, pos, cb)
                assert got, "no extents"
                for (length, flags) in got:
                    if flags & 1:
                        if changed and changed[-1][0] + changed[-1][1] == pos:
                            changed[-1] = (changed[-1][0], changed[-1][1] + length)
                        else:
                            changed.append((pos, length))
                    pos += length
            print("CHANGED", ";".join(f"{o}+{l}" for o, l in changed))
            h.shutdown()
            """);
        var line = r.Stdout.Split('\n').Single(l => l.StartsWith("CHANGED"));
        string Range(long o, long l) => $"{o}+{l}";
        var expected = string.Join(";", Range(Cluster, Cluster), Range(3 * Cluster, Cluster), Range(10 * Cluster, 2 * Cluster));
        Assert.Equal("CHANGED " + expected, line.Trim());

        // nbdinfo can show the same context as a map.
        var map = Tools.Ok("nbdinfo", "--map=rewind:changed:base", "--json", s.UnixUri("cbt"));
        var changedRuns = JsonDocument.Parse(map.Stdout).RootElement.EnumerateArray()
            .Where(e => (e.GetProperty("type").GetInt32() & 1) != 0)
            .Select(e => Range(e.GetProperty("offset").GetInt64(), e.GetProperty("length").GetInt64()));
        Assert.Equal(expected, string.Join(";", changedRuns));
    }
}
