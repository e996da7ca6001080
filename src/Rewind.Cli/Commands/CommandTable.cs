using Rewind.Cli.CommandLine;

namespace Rewind.Cli.Commands;

/// <summary>
/// Every command the CLI knows, in the order --help lists them. A new verb is one file with its
/// <see cref="CommandSpec"/> plus one line here.
/// </summary>
public static class CommandTable
{
    public static readonly IReadOnlyList<CommandSpec> All =
    [
        .. VolumeCommands.All,
        ImportCommand.Spec,
        ExportCommand.Spec,
        .. SnapshotCommands.All,
        RollbackCommand.Spec,
        CloneCommand.Spec,
        DiffCommand.Spec,
        .. HoldCommands.All,
        .. PoolCommands.All,
        .. GroupCommands.All,
        .. HookCommands.All,
        .. ScheduleCommands.All,
        PruneCommand.Spec,
        LogCommand.Spec,
        StatusCommand.Spec,
        ScrubCommand.Spec,
        ServeCommand.Spec,
    ];

    /// <summary>
    /// The command whose verb words match the longest prefix of <paramref name="tokens"/> ("snapshot list"
    /// before "snapshot"), and how many tokens its verb used.
    /// </summary>
    public static (CommandSpec? Spec, int WordsUsed) Find(IReadOnlyList<string> tokens)
    {
        CommandSpec? best = null;
        foreach (var spec in All)
        {
            if (spec.Words.Length > tokens.Count) continue;
            bool matches = true;
            for (int i = 0; i < spec.Words.Length && matches; i++) matches = tokens[i] == spec.Words[i];
            if (matches && (best == null || spec.Words.Length > best.Words.Length)) best = spec;
        }
        return (best, best?.Words.Length ?? 0);
    }

    /// <summary>Commands whose verb starts with <paramref name="group"/>, e.g. every "volume ..." command.</summary>
    public static IReadOnlyList<CommandSpec> InGroup(string group) =>
        All.Where(s => s.Words[0] == group).ToList();
}
