namespace Rewind.Management.Scheduling;

/// <summary>
/// What every schedule compiles to: the wall-clock minutes of a day at which it fires, and the dates on
/// which it fires. Presets, intervals and cron expressions differ only in how they fill it.
/// </summary>
internal sealed class CalendarPattern
{
    /// <summary>Minutes since local midnight, ascending and distinct.</summary>
    public required int[] MinutesOfDay { get; init; }
    /// <summary>Bit n set = month n (1-12) allowed.</summary>
    public required int Months { get; init; }
    /// <summary>Bit n set = day n (1-31) of the month allowed.</summary>
    public required long DaysOfMonth { get; init; }
    /// <summary>Bit n set = day of week n allowed (0 = Sunday … 6 = Saturday).</summary>
    public required int DaysOfWeek { get; init; }
    /// <summary>Vixie cron: a day field written starting with '*' does not restrict (even "*/2").</summary>
    public required bool DayOfMonthIsStar { get; init; }
    public required bool DayOfWeekIsStar { get; init; }

    public bool Matches(DateOnly date)
    {
        if ((Months & (1 << date.Month)) == 0)
            return false;
        bool dayOfMonth = (DaysOfMonth & (1L << date.Day)) != 0;
        bool dayOfWeek = (DaysOfWeek & (1 << (int)date.DayOfWeek)) != 0;
        // Vixie cron: when both day fields restrict, a date matching either one fires.
        return DayOfMonthIsStar || DayOfWeekIsStar ? dayOfMonth && dayOfWeek : dayOfMonth || dayOfWeek;
    }

    /// <summary>False for patterns such as "0 0 30 2 *" that name only dates no calendar has.</summary>
    public bool CanEverFire()
    {
        if (MinutesOfDay.Length == 0 || Months == 0)
            return false;
        bool onlyDayOfMonthRestricts = !DayOfMonthIsStar && DayOfWeekIsStar;
        if (!onlyDayOfMonthRestricts)
            return DaysOfWeek != 0; // a weekday comes round in every month
        for (int month = 1; month <= 12; month++)
        {
            if ((Months & (1 << month)) == 0)
                continue;
            int longest = month == 2 ? 29 : DateTime.DaysInMonth(2001, month);
            for (int day = 1; day <= longest; day++)
                if ((DaysOfMonth & (1L << day)) != 0)
                    return true;
        }
        return false;
    }
}
