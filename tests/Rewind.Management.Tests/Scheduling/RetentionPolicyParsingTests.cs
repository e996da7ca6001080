using Rewind.Management.Scheduling;

namespace Rewind.Management.Tests.Scheduling;

public class RetentionPolicyParsingTests
{
    [Fact]
    public void EveryRuleParsesAndPrintsBackTheSameText()
    {
        const string text = "last=3,hourly=24,daily=7,weekly=4,monthly=12,yearly=3";
        var policy = RetentionPolicy.Parse(text);
        Assert.Equal(new RetentionPolicy(Last: 3, Hourly: 24, Daily: 7, Weekly: 4, Monthly: 12, Yearly: 3), policy);
        Assert.Equal(text, policy.ToString());
        Assert.False(policy.IsEmpty);
    }

    [Fact]
    public void ProxmoxSpellingsSpacesAndAnyOrderAreAccepted()
    {
        var policy = RetentionPolicy.Parse(" keep-daily=7 , KEEP-LAST = 2");
        Assert.Equal(new RetentionPolicy(Last: 2, Daily: 7), policy);
        Assert.Equal("last=2,daily=7", policy.ToString());
    }

    [Fact]
    public void RulesSetToZeroAreLeftOutOfTheText() =>
        Assert.Equal("daily=7", RetentionPolicy.Parse("daily=7,weekly=0").ToString());

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("keep-all")]
    [InlineData("keep-all=1")]
    [InlineData("daily=0")]
    public void AnEmptyPolicyKeepsEverythingAndRoundTrips(string text)
    {
        var policy = RetentionPolicy.Parse(text);
        Assert.True(policy.IsEmpty);
        Assert.Equal("keep-all", policy.ToString());
        Assert.Equal(policy, RetentionPolicy.Parse(policy.ToString()));
    }

    [Theory]
    [InlineData("dayly=7", "'dayly' is not a rule; the rules are last, hourly, daily, weekly, monthly, yearly")]
    [InlineData("daily", "'daily' is not of the form rule=count")]
    [InlineData("daily=7,,", "'' is not of the form rule=count")]
    [InlineData("daily=-1", "the count '-1' for daily is not a whole number >= 0")]
    [InlineData("daily=seven", "the count 'seven' for daily is not a whole number >= 0")]
    [InlineData("daily=7,keep-daily=8", "'daily' is given twice")]
    public void InvalidTextIsRejectedNamingTheProblemAndShowingAnExample(string text, string problem)
    {
        var error = Assert.Throws<FormatException>(() => RetentionPolicy.Parse(text));
        Assert.StartsWith($"Invalid retention policy '{text}': ", error.Message);
        Assert.Contains(problem, error.Message);
        Assert.Contains("'last=3,hourly=24,daily=7,weekly=4,monthly=12,yearly=3'", error.Message);
    }

    [Fact]
    public void ANegativeCountIsRefusedAtConstruction() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetentionPolicy(Daily: -1));
}
