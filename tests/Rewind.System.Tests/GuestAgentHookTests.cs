using System.Text.RegularExpressions;
using Rewind.Management.Hooks;
using Rewind.System.Tests.Guest;
using Rewind.System.Tests.Support;
using Xunit.Abstractions;

namespace Rewind.System.Tests;

/// <summary>
/// Application-consistent snapshots with a real qemu-guest-agent: a running guest that keeps writing is
/// frozen by Quiesce's guest-agent hook, Rewind cuts a snapshot while it is frozen, and the snapshot's
/// filesystem is clean (no journal to replay), holds the guest's latest writes, and boots.
/// </summary>
public sealed partial class GuestAgentHookTests(ITestOutputHelper output)
{
    private const string Volume = "db-server";

    /// <summary>Generous: a TCG boot takes ~10-20 s alone, much longer on a loaded 2-core machine.</summary>
    private static readonly TimeSpan BootLimit = TimeSpan.FromMinutes(4);

    /// <summary>Each agent phase's limit. A freeze syncs the guest's dirty data over NBD first.</summary>
    private static readonly TimeSpan AgentTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_snapshot_cut_while_the_guest_agent_holds_the_guest_frozen_is_clean_and_boots()
    {
        var image = GuestAgentImage.Instance;
        using var pool = new TemporaryPool("qga");
        RawImages.Import(pool.Pool, image.RootFilesystemPath, Volume);
        await using var server = await PoolNbdServer.StartAsync(pool);
        string agentSocket = Path.Combine(pool.Directory, "qga.sock");
        var guest = AgentGuest.Start(Volume, image, server.UnixDrive(Volume), agentSocket);
        try
        {
            await guest.WaitForConsoleAsync("AGENT-STARTED", BootLimit);
            await WaitForAgentAsync(agentSocket);

            // For contrast: a snapshot of the running guest without quiescing is only crash-consistent.
            pool.Pool.CreateSnapshot(Volume, "crash-consistent");

            var hook = HookSpec.ForGuestAgent("guest-fs", agentSocket, AgentTimeout);
            var result = await Quiesce.AroundAsync([hook], new HookContext(Volume, "quiesced", [Volume]), () =>
            {
                pool.Pool.CreateSnapshot(Volume, "quiesced");
                // Asked from inside the cut, on a connection of its own (the hook's is closed between phases).
                return Task.Run(() => FreezeStatusAsync(agentSocket)).GetAwaiter().GetResult();
            });
            foreach (var run in result.Runs) output.WriteLine($"hook {run.Hook} {run.Phase}: {run.Detail} ({run.Duration.TotalMilliseconds:0} ms)");

            Assert.Equal("frozen", result.Value);
            Assert.True(result.ApplicationConsistent);
            Assert.Empty(result.Warnings);
            var freeze = Assert.Single(result.Runs, r => r.Phase == HookPhase.Pre);
            var frozenCount = FrozenCount().Match(freeze.Detail ?? "");
            Assert.True(frozenCount.Success, $"unexpected freeze detail: {freeze.Detail}");
            Assert.True(int.Parse(frozenCount.Groups[1].Value) >= 1, $"the agent froze no filesystem: {freeze.Detail}");
            Assert.Equal("thawed", await FreezeStatusAsync(agentSocket));

            // Both snapshots are read while the guest goes on writing to the volume.
            var quiesced = ExportedFilesystem.Inspect(pool.Pool, $"{Volume}@quiesced", pool.Directory);
            Assert.True(quiesced.Fsck.ExitCode == 0, quiesced.Fsck.Describe("e2fsck -fn on the quiesced snapshot"));
            Assert.False(quiesced.JournalNeedsRecovery, "the quiesced snapshot's journal still needs a replay: the freeze did not reach it");
            Assert.NotNull(quiesced.Heartbeat);
            int beatAtSnapshot = int.Parse(quiesced.Heartbeat);
            Assert.True(beatAtSnapshot >= 1);
            var crash = ExportedFilesystem.Inspect(pool.Pool, $"{Volume}@crash-consistent", pool.Directory);
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

            pool.Pool.Clone(Volume, "quiesced", "restored");
            var restored = await CheckedBoot.RunAsync(output, "restored", server.UnixDrive("restored"));
            Assert.Contains(restored.Lines, l => l.Contains($"HEARTBEAT-AT-BOOT {beatAtSnapshot}", StringComparison.Ordinal));
            await OpenHandles.WaitUntilClosedAsync(pool.Pool, "restored");
            var afterBoot = Ext4Check.CheckVolume(pool.Pool, "restored", pool.Directory);
            Assert.True(afterBoot.ExitCode == 0, afterBoot.Describe("e2fsck -fn on the clone after it booted"));
        }
        catch
        {
            output.WriteLine(guest.Transcript);
            output.WriteLine(server.Log);
            throw;
        }
        finally
        {
            await guest.DisposeAsync();
        }
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

    private static CancellationToken Within(TimeSpan limit) => new CancellationTokenSource(limit).Token;

    [GeneratedRegex(@"^froze (\d+) filesystems?$")]
    private static partial Regex FrozenCount();

    [GeneratedRegex(@"SHUTDOWN-REQUESTED (\d+)")]
    private static partial Regex ShutdownBeat();
}
