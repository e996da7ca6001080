namespace Rewind.Management.Hooks;

/// <summary>Runs one phase of one hook, whatever its kind.</summary>
internal static class HookPhases
{
    /// <summary>
    /// The phase's outcome, or null when the hook has nothing to do in it (a command hook without that
    /// command). Failures and timeouts come back as a run that is not Ok; only the caller's cancellation throws.
    /// </summary>
    public static Task<HookRun?> RunAsync(HookSpec hook, string phase, HookContext context, CancellationToken ct) =>
        hook.Kind switch
        {
            HookKind.Command => CommandHook.RunAsync(hook, phase, context, ct),
            HookKind.GuestAgent => GuestAgentHook.RunAsync(hook, phase, ct),
            _ => throw new ArgumentException($"quiesce hook '{hook.Name}' has an unknown kind {hook.Kind}"),
        };
}
