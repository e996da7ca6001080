namespace Rewind.Management.Hooks;

/// <summary>
/// Takes a snapshot between a group's quiesce hooks: every pre phase in order, the cut, every post phase
/// in reverse order.
///
/// The rule that matters most: a hook whose pre phase started is always given its post phase, whatever
/// went wrong after it started (its own pre phase failing or timing out, a later hook failing, the cut
/// throwing, the caller cancelling). A guest left frozen, or a database left in backup mode, hurts more
/// than any failed snapshot. Post phases therefore ignore the caller's cancellation and run only under
/// their own hook's timeout.
/// </summary>
public static class Quiesce
{
    /// <summary>
    /// Runs every hook's pre phase in order, then <paramref name="cut"/> synchronously (it is the instant of
    /// the snapshot), then every post phase in reverse order.
    /// </summary>
    /// <exception cref="HookFailedException">A pre phase failed or timed out: the cut was not called and every started hook was thawed.</exception>
    /// <exception cref="ArgumentException">The hooks are not valid (see <see cref="HookValidation"/>); nothing ran.</exception>
    /// <remarks>The cut is invoked directly, never queued to another task, so nothing runs between the last freeze
    /// and the snapshot; it runs in the caller's synchronization context when there is one.
    /// An exception from the cut propagates unchanged, after the hooks were thawed. Post-phase failures do
    /// not undo the snapshot: they come back as <see cref="QuiesceResult{T}.Warnings"/>.</remarks>
    public static async Task<QuiesceResult<T>> AroundAsync<T>(
        IReadOnlyList<HookSpec> hooks, HookContext context, Func<T> cut, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(cut);
        HookValidation.Validate(hooks);

        var runs = new List<HookRun>();
        var started = new List<HookSpec>();
        HookRun? failedPre = null;
        try
        {
            foreach (var hook in hooks)
            {
                started.Add(hook);
                var run = await HookPhases.RunAsync(hook, HookPhase.Pre, context, ct);
                if (run == null) continue;
                runs.Add(run);
                if (!run.Ok)
                {
                    failedPre = run;
                    break;
                }
            }
        }
        catch
        {
            await ThawAsync(started, context, runs); // the caller cancelled: still no hook stays frozen
            throw;
        }

        if (failedPre != null)
        {
            var thawFailures = await ThawAsync(started, context, runs);
            throw PreFailure(failedPre, thawFailures, runs);
        }

        T value;
        try
        {
            value = cut();
        }
        catch
        {
            await ThawAsync(started, context, runs);
            throw;
        }

        var warnings = await ThawAsync(started, context, runs);
        return new QuiesceResult<T>(value, ApplicationConsistent: hooks.Count > 0, runs, warnings);
    }

    /// <summary>Runs the post phase of every started hook, last started first; returns one warning per failure.</summary>
    private static async Task<List<string>> ThawAsync(List<HookSpec> started, HookContext context, List<HookRun> runs)
    {
        var failures = new List<string>();
        for (int i = started.Count - 1; i >= 0; i--)
        {
            var hook = started[i];
            HookRun? run;
            try
            {
                run = await HookPhases.RunAsync(hook, HookPhase.Post, context, CancellationToken.None);
            }
            catch (Exception e)
            {
                // One hook's broken post phase must not keep the hooks before it frozen.
                run = new HookRun(hook.Name, HookPhase.Post, TimeSpan.Zero, false, e.Message);
            }
            if (run == null) continue;
            runs.Add(run);
            if (!run.Ok) failures.Add($"hook '{hook.Name}' failed in its post phase: {run.Detail}");
        }
        return failures;
    }

    private static HookFailedException PreFailure(HookRun failed, List<string> thawFailures, List<HookRun> runs)
    {
        string thawed = thawFailures.Count == 0
            ? "every hook that had started was thawed"
            : "and thawing failed too, check these by hand: " + string.Join("; ", thawFailures);
        return new HookFailedException(
            failed.Hook,
            failed.Phase,
            $"quiesce hook '{failed.Hook}' failed in its {failed.Phase} phase: {failed.Detail}. "
            + $"No snapshot was taken; {thawed}. Fix the hook (or what it quiesces) and take the snapshot again.",
            runs);
    }
}
