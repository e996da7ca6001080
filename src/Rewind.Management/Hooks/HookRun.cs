namespace Rewind.Management.Hooks;

/// <summary>One phase of one hook, as it ran.</summary>
/// <param name="Hook">The hook's name.</param>
/// <param name="Phase"><see cref="HookPhase.Pre"/> or <see cref="HookPhase.Post"/>.</param>
/// <param name="Ok">The phase finished in time and succeeded.</param>
/// <param name="Detail">What happened, e.g. "froze 2 filesystems", or why it failed.</param>
public sealed record HookRun(string Hook, string Phase, TimeSpan Duration, bool Ok, string? Detail);

public static class HookPhase
{
    public const string Pre = "pre";
    public const string Post = "post";
}
