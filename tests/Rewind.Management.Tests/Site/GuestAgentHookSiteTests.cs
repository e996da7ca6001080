using System.Net.Sockets;
using Rewind.Engine;
using Rewind.Management.Hooks;

namespace Rewind.Management.Tests.Site;

/// <summary>
/// A group snapshot whose guest-agent hook cannot reach an agent: the VM is down (its socket file is left
/// over and refuses connections) or the VM runs without qemu-ga (qemu accepts, nobody answers). Either way
/// the snapshot is refused naming the hook, and no member gets it.
/// </summary>
public sealed class GuestAgentHookSiteTests : IDisposable
{
    private const string Hook = "guest-fs";

    // Short path: the agent sockets live here, and sun_path holds only 108 bytes.
    private readonly string _root = Directory.CreateTempSubdirectory("rewind-qga-site-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task AGuestAgentHookOnASocketNobodyListensOnRefusesTheGroupSnapshotInEveryMember()
    {
        string socket = Path.Combine(_root, "qga.sock");
        using (var gone = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            gone.Bind(new UnixDomainSocketEndPoint(socket)); // the file stays, as after a VM that stopped
        }
        using var site = OpenSiteWithGroup(HookSpec.ForGuestAgent(Hook, socket, TimeSpan.FromSeconds(30)));

        var e = await AssertRefusedWithoutSnapshotsAsync(site);
        Assert.Contains($"cannot connect to the guest agent socket {socket}", e.Message);
    }

    [Fact]
    public async Task AGuestAgentHookOnAVmWithoutItsAgentRunningTimesOutAndRefusesTheGroupSnapshotInEveryMember()
    {
        string socket = Path.Combine(_root, "qga.sock");
        // What qemu's chardev is when the guest does not run qemu-ga: connections are taken, nothing answers.
        using var qemu = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        qemu.Bind(new UnixDomainSocketEndPoint(socket));
        qemu.Listen(8);
        using var site = OpenSiteWithGroup(HookSpec.ForGuestAgent(Hook, socket, TimeSpan.FromSeconds(1)));

        var e = await AssertRefusedWithoutSnapshotsAsync(site);
        Assert.Contains("timed out after 1s", e.Message);
        Assert.Contains("is qemu-ga running in the guest?", e.Message);
    }

    /// <summary>A site with the volumes "os" and "fast/data" in a group "vm" that has <paramref name="hook"/>.</summary>
    private Management.Site OpenSiteWithGroup(HookSpec hook)
    {
        var site = Management.Site.Open(Path.Combine(_root, "home"), new SiteOptions { User = "tester" });
        site.AddPool("fast", Path.Combine(_root, "fast"));
        site.CreateVolume("os", 1 << 20);
        site.CreateVolume("fast/data", 1 << 20);
        site.CreateGroup("vm", ["os", "fast/data"]);
        site.AddHook("vm", hook);
        return site;
    }

    private static async Task<RewindException> AssertRefusedWithoutSnapshotsAsync(Management.Site site)
    {
        var e = await Assert.ThrowsAsync<RewindException>(() => site.SnapshotGroupAsync("vm", "quiesced", "system test"));
        Assert.Equal(ErrorKind.HookFailed, e.Kind);
        Assert.Contains($"quiesce hook '{Hook}' failed in its pre phase", e.Message);
        Assert.Contains("No snapshot was taken", e.Message);
        Assert.Equal(Hook, Assert.IsType<HookFailedException>(e.InnerException).HookName);

        Assert.Empty(site.ListSnapshots("os"));
        Assert.Empty(site.ListSnapshots("fast/data"));
        Assert.Empty(site.ListGroupSnapshots("vm"));
        var audited = site.Audit.Read().Last();
        Assert.Equal(("group.snapshot", "vm@quiesced", "failed"), (audited.Operation, audited.Target, audited.Result));
        Assert.Contains($"'{Hook}'", audited.Error);
        return e;
    }
}
