using System.Globalization;
using System.Text.RegularExpressions;

namespace Rewind.Management.Scheduling;

/// <summary>Turns schedule text (preset, interval or 5-field cron) into its normalised text and a <see cref="CalendarPattern"/>.</summary>
internal static partial class ScheduleParser
{
    const string Examples =
        "Use a preset (hourly, daily, weekly, monthly, yearly), an interval that divides a day (every 15m, every 2h) " +
        "or a 5-field cron expression 'minute hour day-of-month month day-of-week', e.g. '*/15 * * * *' or '0 3 * * mon-fri'.";
    const int MinutesPerDay = 24 * 60;

    static readonly string[] MonthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    static readonly CronField Minute = new("minute", 0, 59);
    static readonly CronField Hour = new("hour", 0, 23);
    static readonly CronField DayOfMonth = new("day-of-month", 1, 31);
    static readonly CronField Month = new("month", 1, 12, MonthNames, FirstNameValue: 1);
    static readonly CronField DayOfWeek = new("day-of-week", 0, 7, DayNames); // 0 and 7 are both Sunday

    [GeneratedRegex(@"^every\s+(?<count>\d{1,5})\s*(?<unit>m|min|mins|minute|minutes|h|hr|hrs|hour|hours)$")]
    private static partial Regex IntervalSyntax();

    public static (string Text, CalendarPattern Pattern) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string input = Regex.Replace(text.Trim().ToLowerInvariant(), @"\s+", " ");
        if (input.Length == 0)
            throw Invalid(text, "it is empty");

        if (TryPreset(input.TrimStart('@'), out var preset))
            return preset;
        if (input.StartsWith('@'))
            throw Invalid(text, $"'{input}' is not a known preset");
        if (input.StartsWith("every", StringComparison.Ordinal))
            return ParseInterval(text, input);
        return ParseCron(text, input);
    }

    static bool TryPreset(string name, out (string, CalendarPattern) preset)
    {
        preset = name switch
        {
            "hourly" => ("hourly", Pattern(EveryNMinutes(60))),
            "daily" or "midnight" => ("daily", Pattern([0])),
            "weekly" => ("weekly", Pattern([0], daysOfWeek: 1 << (int)System.DayOfWeek.Monday)),
            "monthly" => ("monthly", Pattern([0], daysOfMonth: 1L << 1)),
            "yearly" or "annually" => ("yearly", Pattern([0], daysOfMonth: 1L << 1, months: 1 << 1)),
            _ => default,
        };
        return preset != default;
    }

    static (string, CalendarPattern) ParseInterval(string original, string input)
    {
        var match = IntervalSyntax().Match(input);
        if (!match.Success)
            throw Invalid(original, "an interval is written 'every <number>m' or 'every <number>h'");
        int count = int.Parse(match.Groups["count"].Value, CultureInfo.InvariantCulture);
        int minutes = match.Groups["unit"].Value.StartsWith('h') ? count * 60 : count;
        if (minutes == 0)
            throw Invalid(original, "the interval must be at least 1 minute");
        // Intervals are aligned to local midnight; one that does not divide a day would leave a short gap at midnight.
        if (minutes > MinutesPerDay || MinutesPerDay % minutes != 0)
            throw Invalid(original, "the interval must divide a day evenly (e.g. 5m, 10m, 15m, 20m, 30m, 45m, 90m, 1h, 2h, 3h, 4h, 6h, 8h, 12h, 24h)");
        string normalised = minutes % 60 == 0 ? $"every {minutes / 60}h" : $"every {minutes}m";
        return (normalised, Pattern(EveryNMinutes(minutes)));
    }

    static (string, CalendarPattern) ParseCron(string original, string input)
    {
        string[] fields = input.Split(' ');
        if (fields.Length != 5)
            throw Invalid(original, $"a cron expression has 5 fields (minute hour day-of-month month day-of-week), this has {fields.Length}" +
                                    (fields.Length == 6 ? "; seconds are not supported" : ""));

        long minutes = ParseField(original, fields[0], Minute);
        long hours = ParseField(original, fields[1], Hour);
        long daysOfMonth = ParseField(original, fields[2], DayOfMonth);
        long months = ParseField(original, fields[3], Month);
        long daysOfWeek = ParseField(original, fields[4], DayOfWeek);
        if ((daysOfWeek & (1L << 7)) != 0)
            daysOfWeek = (daysOfWeek | 1) & ~(1L << 7);

        var minutesOfDay = new List<int>();
        for (int hour = 0; hour < 24; hour++)
            for (int minute = 0; minute < 60; minute++)
                if ((hours & (1L << hour)) != 0 && (minutes & (1L << minute)) != 0)
                    minutesOfDay.Add(hour * 60 + minute);

        var pattern = new CalendarPattern
        {
            MinutesOfDay = minutesOfDay.ToArray(),
            Months = (int)months,
            DaysOfMonth = daysOfMonth,
            DaysOfWeek = (int)daysOfWeek,
            DayOfMonthIsStar = fields[2].StartsWith('*'),
            DayOfWeekIsStar = fields[4].StartsWith('*'),
        };
        if (!pattern.CanEverFire())
            throw Invalid(original, "it names only days that no month has (e.g. 30 February)");
        return (string.Join(' ', fields), pattern);
    }

    /// <summary>A comma-separated list of '*', 'n', 'a-b', each optionally '/step'; returns a bit per allowed value.</summary>
    static long ParseField(string original, string text, CronField field)
    {
        long bits = 0;
        foreach (string item in text.Split(','))
        {
            if (item.Length == 0)
                throw Invalid(original, $"the {field.Name} field '{text}' has an empty list item");
            string[] rangeAndStep = item.Split('/');
            if (rangeAndStep.Length > 2)
                throw Invalid(original, $"the {field.Name} field item '{item}' has more than one '/'");
            string range = rangeAndStep[0];
            int step = 1;
            if (rangeAndStep.Length == 2 && (!TryParseNumber(rangeAndStep[1], out step) || step == 0))
                throw Invalid(original, $"the step in {field.Name} field item '{item}' must be a positive number");

            int low, high;
            if (range == "*")
                (low, high) = (field.Min, field.Max);
            else if (range.Split('-') is [var first, var last])
            {
                low = ParseValue(original, first, field);
                high = ParseValue(original, last, field);
                if (low > high)
                    throw Invalid(original, $"the {field.Name} range '{range}' runs backwards; write it from low to high");
            }
            else
            {
                low = ParseValue(original, range, field);
                high = rangeAndStep.Length == 2 ? field.Max : low; // "5/15" = from 5 to the end, every 15
            }
            for (long value = low; value <= high; value += step) // long: a huge step must not wrap around
                bits |= 1L << (int)value;
        }
        return bits;
    }

    static int ParseValue(string original, string token, CronField field)
    {
        if (TryParseNumber(token, out int value))
        {
            if (value < field.Min || value > field.Max)
                throw Invalid(original, $"{field.Name} {value} is out of range {field.Min}-{field.Max}");
            return value;
        }
        int index = field.Names is null ? -1 : Array.IndexOf(field.Names, token);
        if (index >= 0)
            return field.FirstNameValue + index;
        string accepted = field.Names is null ? "a number" : $"a number or one of {string.Join(", ", field.Names)}";
        throw Invalid(original, $"'{token}' in the {field.Name} field is not {accepted}");
    }

    static bool TryParseNumber(string token, out int value) =>
        int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    static int[] EveryNMinutes(int minutes) => Enumerable.Range(0, MinutesPerDay / minutes).Select(i => i * minutes).ToArray();

    static CalendarPattern Pattern(int[] minutesOfDay, long daysOfMonth = AllDaysOfMonth, int months = AllMonths, int daysOfWeek = AllDaysOfWeek) => new()
    {
        MinutesOfDay = minutesOfDay,
        Months = months,
        DaysOfMonth = daysOfMonth,
        DaysOfWeek = daysOfWeek,
        DayOfMonthIsStar = daysOfMonth == AllDaysOfMonth,
        DayOfWeekIsStar = daysOfWeek == AllDaysOfWeek,
    };

    const long AllDaysOfMonth = ((1L << 32) - 1) & ~1L; // bits 1-31
    const int AllMonths = ((1 << 13) - 1) & ~1;        // bits 1-12
    const int AllDaysOfWeek = (1 << 7) - 1;            // bits 0-6

    static FormatException Invalid(string text, string problem) =>
        new($"Invalid schedule '{text}': {problem}. {Examples}");
}

/// <summary>One cron field: its name for messages, its value range, and names standing for values (jan = 1, sun = 0).</summary>
internal sealed record CronField(string Name, int Min, int Max, string[]? Names = null, int FirstNameValue = 0);
