namespace Rewind.Management.Hooks;

/// <summary>
/// A pre phase failed or timed out, so no snapshot was taken. Every hook whose pre phase had started
/// was thawed before this was thrown; <see cref="Runs"/> shows how each phase went.
/// </summary>
public sealed class HookFailedException : Exception
{
    public string HookName { get; }
    public string Phase { get; }
    public IReadOnlyList<HookRun> Runs { get; }

    public HookFailedException(string hookName, string phase, string message, IReadOnlyList<HookRun> runs)
        : base(message)
    {
        HookName = hookName;
        Phase = phase;
        Runs = runs;
    }
}
