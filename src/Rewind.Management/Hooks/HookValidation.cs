namespace Rewind.Management.Hooks;

/// <summary>Checks a list of hooks before any of them runs, so a typo never leaves half the hooks frozen.</summary>
public static class HookValidation
{
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
                    break;
                default:
                    throw new ArgumentException($"quiesce hook '{hook.Name}' has an unknown kind {hook.Kind}", nameof(hooks));
            }
        }
    }
}
