using Rewind.System.Tests.Guest;
using Rewind.System.Tests.Support;
using Xunit.Abstractions;

namespace Rewind.System.Tests;

/// <summary>
/// The QA lab's story end to end: a Linux machine boots from a Rewind volume over NBD, a test run
/// changes its disk, and a rollback to the baseline snapshot gives back the clean machine.
/// </summary>
public sealed class QaBaselineBootTests(ITestOutputHelper output)
{
    private const string Volume = "qa-server";

    [Fact]
    public async Task A_guest_booted_from_a_volume_forgets_its_changes_after_rollback_to_the_baseline()
    {
        var guest = GuestImage.Instance;
        using var pool = new TemporaryPool("qa");
        RawImages.Import(pool.Pool, guest.RootFilesystemPath, Volume);
        await using var server = await PoolNbdServer.StartAsync(pool);
        try
        {
            var fresh = await CheckedBoot.RunAsync(output, "fresh", server.UnixDrive(Volume));
            Assert.Equal("absent", fresh.MarkerSeenAtBoot);

            pool.Pool.CreateSnapshot(Volume, "baseline");

            var testRun = await CheckedBoot.RunAsync(output, "test-run", server.UnixDrive(Volume), writeMarker: "hello");
            Assert.Equal("absent", testRun.MarkerSeenAtBoot);
            Assert.Equal("hello", testRun.MarkerWritten);

            var afterTestRun = await CheckedBoot.RunAsync(output, "after-test-run", server.UnixDrive(Volume));
            Assert.Equal("present hello", afterTestRun.MarkerSeenAtBoot);
            await OpenHandles.WaitUntilClosedAsync(pool.Pool, Volume);
            var changedFsck = Ext4Check.CheckVolume(pool.Pool, Volume, pool.Directory);
            Assert.True(changedFsck.ExitCode == 0, changedFsck.Describe("e2fsck -fn on the volume the guest wrote"));


            await OpenHandles.WaitUntilClosedAsync(pool.Pool, Volume);
            pool.Pool.Rollback(Volume, "baseline");
            Assert.True(RawImages.SameContent(pool.Pool, Volume, $"{Volume}@baseline", out long difference),
                $"after rollback the volume differs from its baseline at byte {difference}");

            var afterRollback = await CheckedBoot.RunAsync(output, "after-rollback", server.UnixDrive(Volume));
            Assert.Equal("absent", afterRollback.MarkerSeenAtBoot);

            await OpenHandles.WaitUntilClosedAsync(pool.Pool, Volume);
            var fsck = Ext4Check.CheckVolume(pool.Pool, Volume, pool.Directory);
            Assert.True(fsck.ExitCode == 0, fsck.Describe("e2fsck -fn on the rolled-back volume"));
        }
        catch
        {
            output.WriteLine(server.Log);
            throw;
        }
    }
}
