namespace Rewind.Management.Tests.Hooks;

internal static class ProcessState
{
    /// <summary>
    /// Waits until a process no longer runs: gone from /proc, or a zombie (in a container, PID 1 may never
    /// reap the orphans of a killed shell).
    /// </summary>
    public static Task WaitUntilGoneAsync(int pid, TimeSpan limit) =>
        Poll.UntilAsync(() => !Runs(pid), limit, $"process {pid} still runs after its hook timed out");

    private static bool Runs(int pid)
    {
        try
        {
            // /proc/PID/stat: "pid (comm) state ...": the state letter follows the last ')'.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            char state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state != 'Z' && state != 'X';
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }
}
