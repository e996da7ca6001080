namespace Rewind.Management.Hooks;

/// <summary>Checks a list of hooks before any of them runs, so a typo never leaves half the hooks frozen.</summary>
public static class HookValidation
{
    /// <summary>Longer than any real quiesce should take, and within what a cancellation timer accepts.</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    /// <summary>sun_path holds 108 bytes, one of them the terminating zero.</summary>
    private const int MaxSocketPathBytes = 107;

    /// <exception cref="ArgumentException">Names the first problem found and the hook it is in.</exception>
    public static void Validate(IReadOnlyList<HookSpec> hooks)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var hook in hooks)
        {
            if (hook == null) throw new ArgumentException("the hook list holds a null hook", nameof(hooks));
            if (string.IsNullOrWhiteSpace(hook.Name))
                throw new ArgumentException("every quiesce hook needs a name", nameof(hooks));
            if (!names.Add(hook.Name))
                throw new ArgumentException($"two quiesce hooks are named '{hook.Name}': give each a unique name", nameof(hooks));
            if (hook.Timeout <= TimeSpan.Zero)
                throw new ArgumentException($"quiesce hook '{hook.Name}' needs a positive timeout, not {hook.Timeout}", nameof(hooks));
            if (hook.Timeout > MaxTimeout)
                throw new ArgumentException($"quiesce hook '{hook.Name}' has a timeout of {hook.Timeout}; at most {MaxTimeout} is allowed", nameof(hooks));
            switch (hook.Kind)
            {
                case HookKind.Command:
                    if (string.IsNullOrWhiteSpace(hook.PreCommand) && string.IsNullOrWhiteSpace(hook.PostCommand))
                        throw new ArgumentException($"command hook '{hook.Name}' has neither a pre nor a post command", nameof(hooks));
                    break;
                case HookKind.GuestAgent:
                    if (string.IsNullOrWhiteSpace(hook.AgentSocket))
                        throw new ArgumentException(
                            $"guest-agent hook '{hook.Name}' needs the path of the unix socket qemu exposes for org.qemu.guest_agent.0",
                            nameof(hooks));
                    if (System.Text.Encoding.UTF8.GetByteCount(hook.AgentSocket) > MaxSocketPathBytes)
                        throw new ArgumentException(
                            $"guest-agent hook '{hook.Name}': the socket path {hook.AgentSocket} is longer than the {MaxSocketPathBytes} bytes "
                            + "a unix socket address holds; have qemu create it in a shorter directory",
                            nameof(hooks));
                    break;
                default:
                    throw new ArgumentException($"quiesce hook '{hook.Name}' has an unknown kind {hook.Kind}", nameof(hooks));
            }
        }
    }
}
