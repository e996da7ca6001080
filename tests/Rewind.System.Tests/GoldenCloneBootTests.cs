using Rewind.System.Tests.Guest;
using Rewind.System.Tests.Support;
using Xunit.Abstractions;

namespace Rewind.System.Tests;

/// <summary>
/// Golden masters: machines boot at the same time from clones of one golden snapshot, and what each
/// writes stays its own.
/// </summary>
public sealed class GoldenCloneBootTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Guests_booted_together_from_clones_of_a_golden_volume_each_see_only_their_own_writes()
    {
        var guest = GuestImage.Instance;
        using var pool = new TemporaryPool("golden");
        RawImages.Import(pool.Pool, guest.RootFilesystemPath, "golden");
        pool.Pool.CreateSnapshot("golden", "release-1");
        pool.Pool.Clone("golden", "release-1", "machine-a");
        pool.Pool.Clone("golden", "release-1", "machine-b");
        await using var server = await PoolNbdServer.StartAsync(pool);
        try
        {
            // One guest on the unix socket and one on TCP, so both listeners carry a booting machine.
            var firstRuns = await Task.WhenAll(
                CheckedBoot.RunAsync(output, "machine-a", server.UnixDrive("machine-a"), writeMarker: "alpha"),
                CheckedBoot.RunAsync(output, "machine-b", server.TcpDrive("machine-b"), writeMarker: "bravo"));
            Assert.Equal(["absent", "absent"], firstRuns.Select(r => r.MarkerSeenAtBoot));
            Assert.Equal(["alpha", "bravo"], firstRuns.Select(r => r.MarkerWritten));

            var secondRuns = await Task.WhenAll(
                CheckedBoot.RunAsync(output, "machine-a again", server.TcpDrive("machine-a")),
                CheckedBoot.RunAsync(output, "machine-b again", server.UnixDrive("machine-b")),
                CheckedBoot.RunAsync(output, "golden", server.UnixDrive("golden")));
            Assert.Equal(["present alpha", "present bravo", "absent"], secondRuns.Select(r => r.MarkerSeenAtBoot));

            foreach (string volume in new[] { "machine-a", "machine-b", "golden" })
            {
                await OpenHandles.WaitUntilClosedAsync(pool.Pool, volume);
                var fsck = Ext4Check.CheckVolume(pool.Pool, volume, pool.Directory);
                Assert.True(fsck.ExitCode == 0, fsck.Describe($"e2fsck -fn on {volume}"));
            }
            Assert.True(RawImages.SameContentAsFile(pool.Pool, "golden@release-1", guest.RootFilesystemPath, out long difference),
                $"the golden snapshot no longer matches the image it was imported from, at byte {difference}");
        }
        catch
        {
            output.WriteLine(server.Log);
            throw;
        }
    }
}
