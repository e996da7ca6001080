using Rewind.Management.Scheduling;

namespace Rewind.Management.Tests.Scheduling;

public class ScheduleParsingTests
{
    [Theory]
    [InlineData("hourly", "hourly")]
    [InlineData("  Daily ", "daily")]
    [InlineData("@daily", "daily")]
    [InlineData("@midnight", "daily")]
    [InlineData("weekly", "weekly")]
    [InlineData("@monthly", "monthly")]
    [InlineData("yearly", "yearly")]
    [InlineData("@annually", "yearly")]
    public void PresetsAreStoredByTheirName(string text, string expected) =>
        Assert.Equal(expected, Schedule.Parse(text).Text);

    [Theory]
    [InlineData("every 15m", "every 15m")]
    [InlineData("every 15 minutes", "every 15m")]
    [InlineData("EVERY 45 min", "every 45m")]
    [InlineData("every 90m", "every 90m")]
    [InlineData("every 120m", "every 2h")]
    [InlineData("every 2 hours", "every 2h")]
    [InlineData("every 24h", "every 24h")]
    public void IntervalsAreStoredInOneSpelling(string text, string expected) =>
        Assert.Equal(expected, Schedule.Parse(text).Text);

    [Theory]
    [InlineData("*/15 * * * *", "*/15 * * * *")]
    [InlineData(" 0   3 * *  MON-FRI ", "0 3 * * mon-fri")]
    [InlineData("0 12 1,15 Jan-Jun *", "0 12 1,15 jan-jun *")]
    public void CronExpressionsAreStoredWithSingleSpacesInLowerCase(string text, string expected) =>
        Assert.Equal(expected, Schedule.Parse(text).Text);

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("sometimes", "a cron expression has 5 fields (minute hour day-of-month month day-of-week), this has 1")]
    [InlineData("0 0 * *", "this has 4")]
    [InlineData("0 0 0 * * *", "seconds are not supported")]
    [InlineData("60 * * * *", "minute 60 is out of range 0-59")]
    [InlineData("0 24 * * *", "hour 24 is out of range 0-23")]
    [InlineData("0 0 0 * *", "day-of-month 0 is out of range 1-31")]
    [InlineData("0 0 * 13 *", "month 13 is out of range 1-12")]
    [InlineData("0 0 * * 8", "day-of-week 8 is out of range 0-7")]
    [InlineData("*/0 * * * *", "the step in minute field item '*/0' must be a positive number")]
    [InlineData("1/2/3 * * * *", "has more than one '/'")]
    [InlineData("0 0 * * fri-mon", "the day-of-week range 'fri-mon' runs backwards")]
    [InlineData("0 0 * * funday", "'funday' in the day-of-week field is not a number or one of sun, mon, tue, wed, thu, fri, sat")]
    [InlineData("0 0 * jan,,feb *", "the month field 'jan,,feb' has an empty list item")]
    [InlineData("0 0 30 2 *", "it names only days that no month has")]
    [InlineData("0 0 31 4,6,9,11 *", "it names only days that no month has")]
    [InlineData("every 7m", "the interval must divide a day evenly")]
    [InlineData("every 48h", "the interval must divide a day evenly")]
    [InlineData("every 0m", "the interval must be at least 1 minute")]
    [InlineData("every day", "an interval is written 'every <number>m' or 'every <number>h'")]
    [InlineData("@reboot", "'@reboot' is not a known preset")]
    public void InvalidTextIsRejectedNamingTheProblemAndShowingValidExamples(string text, string problem)
    {
        var error = Assert.Throws<FormatException>(() => Schedule.Parse(text));
        Assert.StartsWith($"Invalid schedule '{text}': ", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Contains("hourly, daily, weekly, monthly, yearly", error.Message);
        Assert.Contains("every 15m", error.Message);
        Assert.Contains("e.g. '*/15 * * * *' or '0 3 * * mon-fri'", error.Message);
    }

    [Fact]
    public void NullIsAnArgumentError() => Assert.Throws<ArgumentNullException>(() => Schedule.Parse(null!));

    [Fact]
    public void ParsingTheNormalisedTextGivesTheSameText()
    {
        foreach (string text in new[] { "@annually", "every 120m", " 0 3 * * MON-FRI" })
        {
            string normalised = Schedule.Parse(text).Text;
            Assert.Equal(normalised, Schedule.Parse(normalised).Text);
        }
    }
}
