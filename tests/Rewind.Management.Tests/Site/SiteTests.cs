using Rewind.Engine;
using Rewind.Management.Hooks;

namespace Rewind.Management.Tests.Site;

/// <summary>Several pools behind one site; groups across them with hooks, rollback, clone, holds; the audit log.</summary>
public sealed class SiteTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("rewind-site-").FullName;
    private string Home => Path.Combine(_root, "home");
    private string Fast => Path.Combine(_root, "fast");

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private Management.Site OpenSite() => Management.Site.Open(Home, new SiteOptions { User = "tester" });

    /// <summary>A site with pool "fast" beside the default one, volumes "os" and "fast/data", and group "vm1" of both.</summary>
    private Management.Site OpenSiteWithGroup()
    {
        var site = OpenSite();
        site.AddPool("fast", Fast);
        site.CreateVolume("os", 1 << 20);
        site.CreateVolume("fast/data", 1 << 20);
        site.CreateGroup("vm1", ["os", "fast/data"]);
        return site;
    }

    [Fact]
    public void APoolAddedToTheSiteServesPoolQualifiedVolumesAndIsThereAfterReopening()
    {
        using (var site = OpenSite())
        {
            site.AddPool("fast", Fast);
            Assert.Equal("fast/db", site.CreateVolume("fast/db", 1 << 20).Name);
            Assert.Equal("web", site.CreateVolume("web", 1 << 20).Name);
            Assert.Equal("web", site.CreateVolume("default/web2", 1 << 20).Name[..3]);
            Assert.Equal(["web", "web2", "fast/db"], site.ListVolumes().Select(v => v.Name));
            var e = Assert.Throws<RewindException>(() => site.CreateVolume("slow/x", 1 << 20));
            Assert.Equal(ErrorKind.NotFound, e.Kind);
            Assert.Contains("rewind pool add", e.Message);
            Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<RewindException>(() => site.CreateVolume("../etc/x", 1 << 20)).Kind);
            Assert.Equal(ErrorKind.AlreadyExists, Assert.Throws<RewindException>(() => site.AddPool("again", Fast)).Kind);
            var clone = site.Clone("fast/db", site.CreateSnapshotAsync("fast/db", "s").Result.Name, "db2");
            Assert.Equal("fast/db2", clone.Name);
            Assert.Equal("fast/db@s", clone.Origin);
            Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<RewindException>(() => site.Clone("fast/db", "s", "default/db3")).Kind);
        }
        using (var site = OpenSite())
        {
            Assert.Equal(["default", "fast"], site.ListPools().Select(p => p.Name));
            Assert.True(site.VolumeExists("fast/db2"));
            using var h = site.Open("fast/db@s", readOnly: true);
            Assert.True(h.IsReadOnly);
        }
    }

    [Fact]
    public async Task AGroupSnapshotRunsItsHooksAroundOneCutAcrossPoolsAndRecordsWhoWhyAndHow()
    {
        using var site = OpenSiteWithGroup();
        string log = Path.Combine(_root, "hooks.log");
        site.AddHook("vm1", HookSpec.ForCommands("app", $"echo \"freeze $REWIND_TARGET $REWIND_SNAPSHOT\" >> {log}",
            $"echo \"thaw $REWIND_VOLUMES\" >> {log}", TimeSpan.FromSeconds(10)));
        using (var h = site.Open("fast/data", readOnly: false)) h.Write(0, new byte[4096].Select(_ => (byte)5).ToArray());

        GroupSnapshotInfo taken;
        using (site.ActingAs("alice")) taken = await site.SnapshotGroupAsync("vm1", "nightly", "before upgrade");

        Assert.True(taken.ApplicationConsistent);
        Assert.Equal(["os@nightly", "fast/data@nightly"], taken.Members.Select(s => s.FullName));
        Assert.All(taken.Members, s =>
        {
            Assert.Equal("alice", s.CreatedBy);
            Assert.Equal("before upgrade", s.Reason);
            Assert.Equal("vm1", s.Group);
            Assert.True(s.ApplicationConsistent);
        });
        Assert.Equal(["freeze vm1 nightly", "thaw os fast/data"], File.ReadAllLines(log));
        Assert.Equal("nightly", Assert.Single(site.ListGroupSnapshots("vm1")).Name);

        var audit = site.Audit.Read();
        var entry = audit.Last(a => a.Operation == "group.snapshot");
        Assert.Equal(("alice", "vm1@nightly", "ok"), (entry.User, entry.Target, entry.Result));
        Assert.Equal("application", entry.Details!["consistency"]);
        Assert.True(double.Parse(entry.Details["pauseMs"], System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Contains(audit, a => a.Operation == "pool.add" && a.User == "tester");
    }

    [Fact]
    public async Task AFailingPreHookMeansNoSnapshotInAnyMemberAndSaysWhichHookFailed()
    {
        using var site = OpenSiteWithGroup();
        string thawed = Path.Combine(_root, "thawed");
        site.AddHook("vm1", HookSpec.ForCommands("first", "true", $"touch {thawed}", TimeSpan.FromSeconds(10)));
        site.AddHook("fast/data", HookSpec.ForCommands("db", "echo cannot flush >&2; exit 3", null, TimeSpan.FromSeconds(10)));

        var e = await Assert.ThrowsAsync<RewindException>(() => site.SnapshotGroupAsync("vm1", "s1"));
        Assert.Equal(ErrorKind.HookFailed, e.Kind);
        Assert.Contains("db", e.Message);
        Assert.True(File.Exists(thawed), "the hook frozen before the failure was not thawed");
        Assert.Empty(site.ListSnapshots("os"));
        Assert.Empty(site.ListSnapshots("fast/data"));
        var failed = site.Audit.Read().Last();
        Assert.Equal(("group.snapshot", "failed"), (failed.Operation, failed.Result));
        Assert.Contains("db", failed.Error);

        site.RemoveHook("fast/data", "db");
        site.RemoveHook("vm1", "first");
        var crashConsistent = await site.SnapshotGroupAsync("vm1", "s2");
        Assert.False(crashConsistent.ApplicationConsistent);
        Assert.All(crashConsistent.Members, s => Assert.False(s.ApplicationConsistent));
    }

    [Fact]
    public async Task AGroupRollsBackClonesAndHoldsAsOne()
    {
        using var site = OpenSite();
        site.AddPool("fast", Fast);
        site.CreateVolume("os", 1 << 20);
        site.CreateVolume("fast/data", 1 << 20);
        site.CreateGroup("golden", ["os", "fast/data"]);
        await site.SnapshotGroupAsync("golden", "v1");
        using (var h = site.Open("os", readOnly: false)) h.Write(0, Enumerable.Repeat((byte)1, 4096).ToArray());
        using (var h = site.Open("fast/data", readOnly: false)) h.Write(0, Enumerable.Repeat((byte)2, 4096).ToArray());

        var clones = site.CloneGroup("golden", "v1", "vm7-");
        Assert.Equal("vm7-golden", clones.Name);
        Assert.Equal(["vm7-os", "fast/vm7-data"], clones.Members);

        using (site.Open("fast/data", readOnly: false))
        {
            var busy = Assert.Throws<RewindException>(() => site.RollbackGroup("golden", "v1", force: false));
            Assert.Equal(ErrorKind.Busy, busy.Kind);
        }
        site.RollbackGroup("golden", "v1", force: false);
        Assert.Equal(0, site.GetVolume("os").ReferencedBytes);
        Assert.Equal(0, site.GetVolume("fast/data").ReferencedBytes);

        site.HoldGroup("golden", "v1", "release-2.3", release: false);
        Assert.Equal(ErrorKind.Busy, Assert.Throws<RewindException>(() => site.DeleteGroupSnapshot("golden", "v1", force: false)).Kind);
        Assert.Equal(2, site.ListSnapshots("os").Concat(site.ListSnapshots("fast/data")).Count(s => s.Holds.Contains("release-2.3")));
        site.HoldGroup("golden", "v1", "release-2.3", release: true);
        site.DeleteGroupSnapshot("golden", "v1", force: false);
        Assert.Empty(site.ListGroupSnapshots("golden"));

        Assert.Equal(ErrorKind.Busy, Assert.Throws<RewindException>(() => site.DeleteVolume("os", recursive: true, force: false)).Kind);
        Assert.Equal(ErrorKind.Busy, Assert.Throws<RewindException>(() => site.RemovePool("fast")).Kind);
        Assert.Equal(ErrorKind.AlreadyExists, Assert.Throws<RewindException>(() => site.CreateGroup("os", [])).Kind);
        Assert.Equal(ErrorKind.AlreadyExists, Assert.Throws<RewindException>(() => site.CreateVolume("golden", 1 << 20)).Kind);
    }

    [Fact]
    public void RenamingAMemberKeepsItInItsGroup()
    {
        using var site = OpenSite();
        site.CreateVolume("a", 1 << 20);
        site.CreateGroup("g", ["a"]);
        site.RenameVolume("a", "b");
        Assert.Equal(["b"], site.GetGroup("g").Members);
    }
}
