using Rewind.Engine;

namespace Rewind.System.Tests.Support;

/// <summary>
/// Waiting for a volume to be free. qemu has exited when a boot returns, but the server notices the
/// closed connection and closes its volume handle a moment later; a rollback then must not race it.
/// </summary>
internal static class OpenHandles
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    public static async Task WaitUntilClosedAsync(Pool pool, string volume)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (pool.GetVolume(volume).OpenHandles > 0)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(
                    $"volume {volume} still has {pool.GetVolume(volume).OpenHandles} open handle(s) {Limit} after its guest powered off");
            await Task.Delay(50);
        }
    }
}
