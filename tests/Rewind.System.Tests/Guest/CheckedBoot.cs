using Xunit.Abstractions;

namespace Rewind.System.Tests.Guest;

/// <summary>A boot that must run the guest's init to the end; its console goes to the test output.</summary>
internal static class CheckedBoot
{
    public static async Task<BootReport> RunAsync(ITestOutputHelper output, string name, string drive, string? writeMarker = null)
    {
        var report = await QemuGuest.BootAsync(name, drive, writeMarker);
        output.WriteLine(report.Transcript);
        Assert.True(report.Completed, $"guest {name} did not finish its init and power off\n{report.Transcript}");
        Assert.True(report.RootRemountedReadOnly, $"guest {name} could not remount / read-only\n{report.Transcript}");
        return report;
    }
}
