using System.Globalization;

namespace Rewind.Management.Scheduling;

/// <summary>
/// How many snapshots to keep, in the terms of restic's <c>forget</c> and Proxmox's prune: the <see cref="Last"/> N newest,
/// and the newest of each of the N most recent hours, days, ISO weeks, months and years that have snapshots.
/// 0 means the rule is not used; a policy with every rule 0 keeps everything. Text form:
/// <c>last=3,hourly=24,daily=7,weekly=4,monthly=12,yearly=3</c> (rules with 0 left out; "keep-all" when empty).
/// </summary>
public sealed record RetentionPolicy(int Last = 0, int Hourly = 0, int Daily = 0, int Weekly = 0, int Monthly = 0, int Yearly = 0)
{
    const string EmptyText = "keep-all";
    const string Example = "Write comma-separated rules such as 'last=3,hourly=24,daily=7,weekly=4,monthly=12,yearly=3' " +
                           "(a rule left out or 0 is not used; 'keep-all' keeps everything).";

    static readonly string[] RuleNames = ["last", "hourly", "daily", "weekly", "monthly", "yearly"];

    public int Last { get; init; } = NotNegative(Last, nameof(Last));
    public int Hourly { get; init; } = NotNegative(Hourly, nameof(Hourly));
    public int Daily { get; init; } = NotNegative(Daily, nameof(Daily));
    public int Weekly { get; init; } = NotNegative(Weekly, nameof(Weekly));
    public int Monthly { get; init; } = NotNegative(Monthly, nameof(Monthly));
    public int Yearly { get; init; } = NotNegative(Yearly, nameof(Yearly));

    /// <summary>No rule is used: the policy keeps every snapshot.</summary>
    public bool IsEmpty => Last == 0 && Hourly == 0 && Daily == 0 && Weekly == 0 && Monthly == 0 && Yearly == 0;

    /// <summary>
    /// Parses <c>last=3,daily=7,…</c>. Rule names may carry Proxmox's "keep-" prefix (<c>keep-daily=7</c>); spaces around
    /// items are ignored. An empty text or "keep-all" is the empty policy.
    /// </summary>
    /// <exception cref="FormatException">Unknown or repeated rule, or a count that is not a whole number &gt;= 0; the message shows an example.</exception>
    public static RetentionPolicy Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (trimmed.Length == 0 || trimmed.Equals(EmptyText, StringComparison.OrdinalIgnoreCase) ||
            trimmed.Equals(EmptyText + "=1", StringComparison.OrdinalIgnoreCase))
            return new RetentionPolicy();

        var counts = new int?[RuleNames.Length];
        foreach (string rawItem in trimmed.Split(','))
        {
            string item = rawItem.Trim();
            int equals = item.IndexOf('=');
            if (equals < 0)
                throw Invalid(text, $"'{item}' is not of the form rule=count");
            string name = item[..equals].Trim().ToLowerInvariant();
            if (name.StartsWith("keep-", StringComparison.Ordinal))
                name = name["keep-".Length..];
            int rule = Array.IndexOf(RuleNames, name);
            if (rule < 0)
                throw Invalid(text, $"'{name}' is not a rule; the rules are {string.Join(", ", RuleNames)}");
            if (counts[rule] is not null)
                throw Invalid(text, $"'{name}' is given twice");
            string countText = item[(equals + 1)..].Trim();
            if (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int count))
                throw Invalid(text, $"the count '{countText}' for {name} is not a whole number >= 0");
            counts[rule] = count;
        }
        return new RetentionPolicy(counts[0] ?? 0, counts[1] ?? 0, counts[2] ?? 0, counts[3] ?? 0, counts[4] ?? 0, counts[5] ?? 0);
    }

    /// <summary>The text <see cref="Parse"/> reads back into an equal policy, e.g. "last=3,daily=7"; "keep-all" when empty.</summary>
    public override string ToString()
    {
        int[] counts = [Last, Hourly, Daily, Weekly, Monthly, Yearly];
        var used = RuleNames.Zip(counts).Where(rule => rule.Second > 0).Select(rule => $"{rule.First}={rule.Second}");
        return IsEmpty ? EmptyText : string.Join(',', used);
    }

    static int NotNegative(int count, string rule) =>
        count >= 0 ? count : throw new ArgumentOutOfRangeException(rule, count, $"Retention count {rule} must be 0 (not used) or more.");

    static FormatException Invalid(string text, string problem) =>
        new($"Invalid retention policy '{text}': {problem}. {Example}");
}
