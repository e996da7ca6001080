using System.Text;
using System.Text.RegularExpressions;
using Rewind.Management.Hooks;
using Rewind.System.Tests.Guest;
using Rewind.System.Tests.Support;
using Xunit.Abstractions;

namespace Rewind.System.Tests;

/// <summary>
/// Application-consistent snapshots with a real qemu-guest-agent, through the product: a site served by the
/// daemon, with the guest's root disk in the default pool and its data disk in a second pool, both in one
/// consistency group with a guest-agent hook. A running guest that keeps writing is frozen for the group's
/// cut; the cut holds the guest's latest writes on both disks, the root's filesystem is clean (no journal to
/// replay), and a clone of the group boots.
/// </summary>
public sealed partial class GuestAgentHookTests(ITestOutputHelper output)
{
    private const string RootVolume = "db-server";
    private const string DataVolume = "fast/data";
    private const string Group = "vm";
    private const string AgentHook = "guest-fs";

    /// <summary>Its own size, so the guest can tell it from the root disk by its sector count.</summary>
    private const long DataDiskBytes = 16 << 20;

    /// <summary>Generous: a TCG boot takes ~10-20 s alone, much longer on a loaded 2-core machine.</summary>
    private static readonly TimeSpan BootLimit = TimeSpan.FromMinutes(4);

    /// <summary>Each agent phase's limit. A freeze syncs the guest's dirty data over NBD first.</summary>
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_group_snapshot_across_two_pools_freezes_the_guest_for_the_cut_and_its_root_is_clean_and_boots()
    {
        var image = GuestImage.WithAgent;
        await using var daemon = await SiteDaemon.StartAsync("qga");
        var site = daemon.Site;
        site.AddPool("fast", daemon.PathOf("fast"));
        RawImages.Import(site.DefaultPool, image.RootFilesystemPath, RootVolume);
        site.CreateVolume(DataVolume, DataDiskBytes);
        site.CreateGroup(Group, [RootVolume, DataVolume]);
        string agentSocket = daemon.PathOf("qga.sock");
        site.AddHook(Group, HookSpec.ForGuestAgent(AgentHook, agentSocket, AgentTimeout));
        // Added after the agent's hook, so its post phase comes between the cut and the thaw.
        var probe = new CutProbe("probe", daemon.Directory, BootLimit);
        site.AddHook(Group, probe.Hook);

        var guest = AgentGuest.Start(RootVolume, image, daemon.UnixDrive(RootVolume), agentSocket, [daemon.UnixDrive(DataVolume)]);
        try
        {
            await guest.WaitForConsoleAsync("AGENT-STARTED", BootLimit);
            await WaitForAgentAsync(agentSocket);

            // The guest writes its data disk (NBD export "fast/data") itself, before the snapshot.
            string dataMark = $"rewind-data-{Guid.NewGuid():N}";
            var write = await GuestShell.RunAsync(agentSocket, WriteFirstSectorScript("vdb", DataDiskBytes, dataMark), AgentTimeout);
            Assert.True(write.ExitCode == 0, write.Describe("writing the data disk"));

            // For contrast: the root volume has no hooks of its own, so its snapshot is only crash-consistent.
            var crashConsistent = await site.CreateSnapshotAsync(RootVolume, "crash-consistent");
            Assert.False(crashConsistent.ApplicationConsistent);

            var snapshotting = Task.Run(() => site.SnapshotGroupAsync(Group, "quiesced", "system test"));
            string statusInCut;
            bool[] cutMadeBeforeProbe;
            try
            {
                await probe.WaitUntilReachedAsync(snapshotting, BootLimit);
                statusInCut = await FreezeStatusAsync(agentSocket);
                cutMadeBeforeProbe = [.. new[] { RootVolume, DataVolume }.Select(m => site.ListSnapshots(m).Any(s => s.Name == "quiesced"))];
            }
            finally
            {
                probe.Release();
            }
            var taken = await snapshotting;
            foreach (var run in taken.Hooks) output.WriteLine($"hook {run.Hook} {run.Phase}: {run.Detail} ({run.Duration.TotalMilliseconds:0} ms)");
            output.WriteLine($"writers held off for {taken.PauseMs:0.###} ms");

            // Frozen by the agent's pre phase, the cut made, still frozen, and only then thawed.
            Assert.Equal("frozen", statusInCut);
            Assert.Equal([true, true], cutMadeBeforeProbe);
            Assert.Equal([$"{AgentHook} pre", "probe post", $"{AgentHook} post"], taken.Hooks.Select(r => $"{r.Hook} {r.Phase}"));
            Assert.True(taken.ApplicationConsistent);
            Assert.Empty(taken.Warnings);
            Assert.All(taken.Hooks, r => Assert.True(r.Ok, $"hook {r.Hook} {r.Phase}: {r.Detail}"));
            int frozen = FilesystemCount(FrozenCount(), taken.Hooks[0].Detail);
            Assert.True(frozen >= 1, $"the agent froze no filesystem: {taken.Hooks[0].Detail}");
            Assert.Equal(frozen, FilesystemCount(ThawedCount(), taken.Hooks[2].Detail));
            Assert.Equal("thawed", await FreezeStatusAsync(agentSocket));

            Assert.Equal([$"{RootVolume}@quiesced", $"{DataVolume}@quiesced"], taken.Members.Select(s => s.FullName));
            foreach (string member in new[] { RootVolume, DataVolume })
            {
                var stored = site.GetSnapshot(member, "quiesced");
                Assert.Equal(Group, stored.Group);
                Assert.True(stored.ApplicationConsistent, $"{stored.FullName} is not marked application-consistent");
                Assert.Equal(Environment.UserName, stored.CreatedBy);
                Assert.Equal("system test", stored.Reason);
            }
            var audited = Assert.Single(site.Audit.Read(), a => a.Operation == "group.snapshot");
            Assert.Equal(($"{Group}@quiesced", "ok"), (audited.Target, audited.Result));
            Assert.Equal("application", audited.Details!["consistency"]);
            Assert.Equal($"{RootVolume} {DataVolume}", audited.Details["members"]);
            Assert.Equal($"{AgentHook} probe", audited.Details["hooks"]);

            Assert.Equal(dataMark, FirstLine(site, $"{DataVolume}@quiesced"));

            // Both root snapshots are read while the guest goes on writing to the volume.
            var quiesced = ExportedFilesystem.Inspect(site.DefaultPool, $"{RootVolume}@quiesced", daemon.Directory);
            Assert.True(quiesced.Fsck.ExitCode == 0, quiesced.Fsck.Describe("e2fsck -fn on the quiesced snapshot"));
            Assert.False(quiesced.JournalNeedsRecovery, "the quiesced snapshot's journal still needs a replay: the freeze did not reach it");
            Assert.NotNull(quiesced.Heartbeat);
            int beatAtSnapshot = int.Parse(quiesced.Heartbeat);
            Assert.True(beatAtSnapshot >= 1);
            var crash = ExportedFilesystem.Inspect(site.DefaultPool, $"{RootVolume}@crash-consistent", daemon.Directory);
            Assert.True(crash.JournalNeedsRecovery,
                "the unquiesced snapshot of a mounted ext4 should need a journal replay; without that contrast this test proves less");

            await using (var agent = await GuestAgentClient.ConnectAsync(agentSocket, Within(AgentTimeout)))
            {
                await agent.RequestPowerdownAsync(Within(AgentTimeout));
            }
            var running = await guest.WaitForExitAsync(BootLimit);
            output.WriteLine(running.Transcript);
            Assert.True(running.Completed, $"the guest did not power off cleanly after guest-shutdown\n{running.Transcript}");
            int beatAtShutdown = int.Parse(running.Lines.Select(l => ShutdownBeat().Match(l)).First(m => m.Success).Groups[1].Value);
            Assert.True(beatAtShutdown >= beatAtSnapshot, $"the guest's counter went back from {beatAtSnapshot} to {beatAtShutdown}");

            var restored = site.CloneGroup(Group, "quiesced", "restored-");
            Assert.Equal([$"restored-{RootVolume}", "fast/restored-data"], restored.Members);
            Assert.Equal(dataMark, FirstLine(site, "fast/restored-data"));
            var boot = await CheckedBoot.RunAsync(output, "restored", daemon.UnixDrive($"restored-{RootVolume}"));
            Assert.Contains(boot.Lines, l => l.Contains($"HEARTBEAT-AT-BOOT {beatAtSnapshot}", StringComparison.Ordinal));
            await OpenHandles.WaitUntilClosedAsync(site.DefaultPool, $"restored-{RootVolume}");
            var afterBoot = Ext4Check.CheckVolume(site.DefaultPool, $"restored-{RootVolume}", daemon.Directory);
            Assert.True(afterBoot.ExitCode == 0, afterBoot.Describe("e2fsck -fn on the clone after it booted"));
        }
        catch
        {
            output.WriteLine(guest.Transcript);
            output.WriteLine(daemon.Log);
            throw;
        }
        finally
        {
            await guest.DisposeAsync();
        }
    }

    /// <summary>
    /// A script for the guest: writes <paramref name="mark"/> and a newline, zero-padded, to the first sector
    /// of /dev/<paramref name="device"/> and syncs it to the disk, after checking the device is the size expected.
    /// </summary>
    private static string WriteFirstSectorScript(string device, long sizeBytes, string mark) =>
        $$"""
         sectors=$(cat /sys/block/{{device}}/size)
         [ "$sectors" = {{sizeBytes / 512}} ] || { echo "/dev/{{device}} has $sectors sectors, not {{sizeBytes / 512}}: it is not the data disk"; exit 3; }
         printf '%s\n' '{{mark}}' | dd of=/dev/{{device}} bs=512 count=1 conv=sync,fsync 2>&1
         """;

    /// <summary>The first sector of a volume or snapshot up to its first newline.</summary>
    private static string FirstLine(Management.Site site, string target)
    {
        using var handle = site.Open(target, readOnly: true);
        byte[] sector = new byte[512];
        handle.Read(0, sector);
        int end = Array.IndexOf(sector, (byte)'\n');
        return Encoding.UTF8.GetString(sector, 0, end < 0 ? 0 : end);
    }

    /// <summary>qemu listens on the socket at once, but qemu-ga answers only once the guest has started it.</summary>
    private static async Task WaitForAgentAsync(string agentSocket)
    {
        var deadline = DateTime.UtcNow + BootLimit;
        while (true)
        {
            try
            {
                await using var agent = await GuestAgentClient.ConnectAsync(agentSocket, Within(TimeSpan.FromSeconds(10)));
                await agent.PingAsync(Within(TimeSpan.FromSeconds(10)));
                return;
            }
            catch (Exception e) when ((e is GuestAgentException or OperationCanceledException) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    private static async Task<string> FreezeStatusAsync(string agentSocket)
    {
        await using var agent = await GuestAgentClient.ConnectAsync(agentSocket, Within(AgentTimeout));
        return await agent.GetFreezeStatusAsync(Within(AgentTimeout));
    }

    private static int FilesystemCount(Regex detail, string? text)
    {
        var match = detail.Match(text ?? "");
        Assert.True(match.Success, $"unexpected hook detail: {text}");
        return int.Parse(match.Groups[1].Value);
    }

    private static CancellationToken Within(TimeSpan limit) => new CancellationTokenSource(limit).Token;

    [GeneratedRegex(@"^froze (\d+) filesystems?$")]
    private static partial Regex FrozenCount();

    [GeneratedRegex(@"^thawed (\d+) filesystems?$")]
    private static partial Regex ThawedCount();

    [GeneratedRegex(@"SHUTDOWN-REQUESTED (\d+)")]
    private static partial Regex ShutdownBeat();
}
