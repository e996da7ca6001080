namespace Rewind.Management.Hooks;

/// <summary>The snapshot a quiesced cut produced, and how the hooks around it went.</summary>
/// <param name="Value">What the cut returned.</param>
/// <param name="ApplicationConsistent">There was at least one hook and every pre phase succeeded.</param>
/// <param name="Runs">Every phase that ran, in the order it ran.</param>
/// <param name="Warnings">Post phases that failed: the snapshot stands, but a guest or application may need attention.</param>
public sealed record QuiesceResult<T>(T Value, bool ApplicationConsistent, IReadOnlyList<HookRun> Runs, IReadOnlyList<string> Warnings);
