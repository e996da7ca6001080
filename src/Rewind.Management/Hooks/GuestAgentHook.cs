using System.Diagnostics;

namespace Rewind.Management.Hooks;

/// <summary>
/// A guest-agent hook's phase: pre freezes the guest's filesystems (guest-fsfreeze-freeze), post thaws
/// them (guest-fsfreeze-thaw). Each phase opens its own connection, synchronises and closes it again, so
/// the socket is free between the phases (qemu serves one client at a time) and a thaw after a timed-out
/// freeze starts from a clean stream. The post phase always tries to thaw, even when the freeze failed:
/// a freeze that timed out on our side may still complete in the guest.
/// Details read "froze N filesystem(s)" and "thawed N filesystem(s)".
/// </summary>
internal static class GuestAgentHook
{
    public static async Task<HookRun?> RunAsync(HookSpec hook, string phase, CancellationToken ct)
    {
        string socket = hook.AgentSocket!;
        bool freeze = phase == HookPhase.Pre;
        string command = freeze ? "guest-fsfreeze-freeze" : "guest-fsfreeze-thaw";
        var clock = Stopwatch.StartNew();
        HookRun Finish(bool ok, string detail) => new(hook.Name, phase, clock.Elapsed, ok, detail);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(hook.Timeout);
        string step = $"connecting to and synchronising with the guest agent at {socket}";
        try
        {
            await using var agent = await GuestAgentClient.ConnectAsync(socket, limit.Token);
            step = $"waiting for the guest agent at {socket} to answer {command}";
            int count = freeze ? await agent.FreezeAsync(limit.Token) : await agent.ThawAsync(limit.Token);
            return Finish(true, $"{(freeze ? "froze" : "thawed")} {count} {(count == 1 ? "filesystem" : "filesystems")}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Finish(false, $"timed out after {Durations.Describe(hook.Timeout)} {step}; is qemu-ga running in the guest?");
        }
        catch (GuestAgentException e)
        {
            return Finish(false, e.Message);
        }
    }
}
