using System.Diagnostics;
using System.Text.Json;
using Rewind.Engine;
using Rewind.System.Tests.Guest;
using Rewind.System.Tests.Support;
using Xunit.Abstractions;

namespace Rewind.System.Tests;

/// <summary>
/// The same QA-lab story through the product a user runs: `./rewind serve` as its own process, and every
/// step (import, snapshot, rollback) a `./rewind` command that reaches the daemon through api.sock.
/// </summary>
public sealed class RewindServeBootTests(ITestOutputHelper output)
{
    private const string Volume = "lab1";

    private static ExternalCommand.Result Rewind(string pool, params string[] args) =>
        ExternalCommand.Run(Path.Combine(RepositoryRoot.Path, "rewind"), ["--pool", pool, .. args]);

    private static void Ok(ExternalCommand.Result r, string what) => Assert.True(r.ExitCode == 0, r.Describe(what));

    [Fact]
    public async Task Rewind_serve_boots_a_machine_and_the_rollback_command_restores_its_baseline()
    {
        var guest = GuestImage.Instance;
        string dir = Directory.CreateTempSubdirectory("rewind-serve-boot-").FullName;
        string pool = Path.Combine(dir, "pool");
        Process? serve = null;
        try
        {
            serve = Process.Start(new ProcessStartInfo(Path.Combine(RepositoryRoot.Path, "rewind"))
            {
                ArgumentList = { "--pool", pool, "serve", "--nbd-listen", "none" },
                RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
            })!;
            var serveOut = serve.StandardOutput.ReadToEndAsync();
            var serveErr = serve.StandardError.ReadToEndAsync();
            string apiSocket = Path.Combine(pool, "api.sock"), nbdSocket = Path.Combine(pool, "nbd.sock");
            var deadline = DateTime.UtcNow.AddMinutes(3); // the first ./rewind may build the CLI
            while (!(File.Exists(apiSocket) && File.Exists(nbdSocket)))
            {
                if (serve.HasExited) Assert.Fail($"rewind serve exited early ({serve.ExitCode}): {await serveErr}");
                Assert.True(DateTime.UtcNow < deadline, "rewind serve did not open its sockets within 3 minutes");
                await Task.Delay(100);
            }

            Ok(Rewind(pool, "import", guest.RootFilesystemPath, Volume), "rewind import");
            string drive = QemuGuest.NbdUnixDrive(nbdSocket, Volume);
            Assert.Equal("absent", (await CheckedBoot.RunAsync(output, "fresh", drive)).MarkerSeenAtBoot);
            Ok(Rewind(pool, "snapshot", $"{Volume}@baseline"), "rewind snapshot");
            Assert.Equal("lab-run-1", (await CheckedBoot.RunAsync(output, "test-run", drive, writeMarker: "lab-run-1")).MarkerWritten);
            Assert.Equal("present lab-run-1", (await CheckedBoot.RunAsync(output, "after-test-run", drive)).MarkerSeenAtBoot);

            // qemu has exited; the daemon closes the export a moment later. Until then rollback is refused as busy.
            ExternalCommand.Result rollback;
            var until = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                rollback = Rewind(pool, "rollback", $"{Volume}@baseline", "--json");
                if (rollback.ExitCode == 0 || DateTime.UtcNow > until) break;
                Assert.Contains("\"busy\"", rollback.StandardOutput);
                await Task.Delay(200);
            }
            Ok(rollback, "rewind rollback");
            var diff = Rewind(pool, "diff", $"{Volume}@baseline", Volume, "--json");
            Ok(diff, "rewind diff");
            Assert.Equal(0, JsonDocument.Parse(diff.StandardOutput).RootElement.GetProperty("ranges").GetArrayLength());

            Assert.Equal("absent", (await CheckedBoot.RunAsync(output, "after-rollback", drive)).MarkerSeenAtBoot);

            Ok(ExternalCommand.Run("kill", "-TERM", serve.Id.ToString()), "kill -TERM");
            Assert.True(serve.WaitForExit(60_000), "rewind serve did not stop within 60 s of SIGTERM");
            if (serve.ExitCode != 0) Assert.Fail($"rewind serve exited {serve.ExitCode}: {await serveErr}");
            Assert.Contains("every volume flushed", await serveOut);

            using var reopened = Pool.Open(pool, new PoolOptions());
            Assert.True(reopened.Scrub().Clean);
            var fsck = Ext4Check.CheckVolume(reopened, Volume, dir);
            Assert.True(fsck.ExitCode == 0, fsck.Describe("e2fsck -fn on the rolled-back volume"));
        }
        finally
        {
            if (serve is { HasExited: false }) serve.Kill();
            serve?.WaitForExit();
            Directory.Delete(dir, recursive: true);
        }
    }
}
