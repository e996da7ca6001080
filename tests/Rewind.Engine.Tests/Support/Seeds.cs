namespace Rewind.Engine.Tests.Support;

/// <summary>Fixed seeds for the randomised tests, plus REWIND_TEST_SEED when set (to replay or explore).</summary>
public static class Seeds
{
    public static IEnumerable<object[]> With(params int[] fixedSeeds)
    {
        foreach (var s in fixedSeeds) yield return new object[] { s };
        if (int.TryParse(Environment.GetEnvironmentVariable("REWIND_TEST_SEED"), out int extra) && !fixedSeeds.Contains(extra))
            yield return new object[] { extra };
    }

    public static IEnumerable<object[]> ModelRuns => With(1, 2, 3, 4, 5, 6);
    public static IEnumerable<object[]> CrashRuns => With(11, 12, 13, 14);
    public static IEnumerable<object[]> KillRuns => With(21);
}
