namespace Rewind.Management.Tests.Hooks;

internal static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan limit, string failure)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{failure} (waited {limit})");
            await Task.Delay(20);
        }
    }
}
