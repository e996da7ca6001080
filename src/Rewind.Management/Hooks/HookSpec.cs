namespace Rewind.Management.Hooks;

public enum HookKind
{
    /// <summary>Shell commands run on the Rewind host before and after the snapshot.</summary>
    Command,

    /// <summary>qemu-guest-agent's fsfreeze, reached through the unix socket qemu exposes for the guest.</summary>
    GuestAgent,
}

/// <summary>
/// One quiesce hook of a group or volume.
/// </summary>
/// <param name="Name">Unique among the hooks of one snapshot; errors and results name the hook by it.</param>
/// <param name="PreCommand">Command hooks: run by /bin/sh -c before the snapshot; null for none.</param>
/// <param name="PostCommand">Command hooks: run by /bin/sh -c after the snapshot (and after a failed pre phase); null for none.</param>
/// <param name="AgentSocket">Guest-agent hooks: the unix socket qemu exposes for the guest's org.qemu.guest_agent.0 port.</param>
/// <param name="Timeout">The limit of each phase (pre and post separately).</param>
public sealed record HookSpec(string Name, HookKind Kind, string? PreCommand, string? PostCommand, string? AgentSocket, TimeSpan Timeout)
{
    public static HookSpec ForCommands(string name, string? preCommand, string? postCommand, TimeSpan timeout) =>
        new(name, HookKind.Command, preCommand, postCommand, null, timeout);

    public static HookSpec ForGuestAgent(string name, string agentSocket, TimeSpan timeout) =>
        new(name, HookKind.GuestAgent, null, null, agentSocket, timeout);
}
