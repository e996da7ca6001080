using Rewind.Management.Hooks;

namespace Rewind.System.Tests.Support;

/// <summary>
/// A command hook that stops a snapshot right after its cut, so a test can look at the world then. Quiesce
/// runs pre phases in order and post phases in reverse, so added after a guest-agent hook, this hook's post
/// phase runs after the cut and before the guest is thawed. It says it got there by creating a file, and
/// waits for the test to create another (<see cref="Release"/>).
/// </summary>
internal sealed class CutProbe
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly string _reached;
    private readonly string _released;

    public HookSpec Hook { get; }

    /// <param name="directory">Where the two signal files go (a path without quotes or spaces).</param>
    /// <param name="limit">The hook's timeout: how long the snapshot waits for <see cref="Release"/> at most.</param>
    public CutProbe(string name, string directory, TimeSpan limit)
    {
        _reached = Path.Combine(directory, $"{name}.reached");
        _released = Path.Combine(directory, $"{name}.released");
        Hook = HookSpec.ForCommands(name, preCommand: null,
            postCommand: $": > '{_reached}'; while [ ! -e '{_released}' ]; do sleep 0.05; done",
            limit);
    }

    /// <summary>Returns once the snapshot stands in the probe; fails if <paramref name="snapshotting"/> ends first.</summary>
    public async Task WaitUntilReachedAsync(Task snapshotting, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!File.Exists(_reached))
        {
            if (snapshotting.IsCompleted)
            {
                await snapshotting; // its exception says more than ours
                throw new InvalidOperationException($"the snapshot finished without running the post phase of hook '{Hook.Name}'");
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"the snapshot did not reach hook '{Hook.Name}' within {limit}");
            await Task.WhenAny(snapshotting, Task.Delay(PollInterval));
        }
    }

    /// <summary>Lets the snapshot go on to the hooks' remaining post phases.</summary>
    public void Release() => File.WriteAllText(_released, "");
}
