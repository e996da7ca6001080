namespace Rewind.Cli.CommandLine;

/// <summary>
/// Which pool a command works on: --pool DIR, else $REWIND_POOL, else $XDG_DATA_HOME/rewind/default,
/// else ~/.local/share/rewind/default (the XDG base-directory default).
/// </summary>
public static class PoolLocation
{
    public static string Resolve(string? option, IDictionary<string, string?> env)
    {
        if (!string.IsNullOrEmpty(option)) return Path.GetFullPath(option);
        if (env.TryGetValue("REWIND_POOL", out var fromEnv) && !string.IsNullOrEmpty(fromEnv)) return Path.GetFullPath(fromEnv);
        // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
        if (env.TryGetValue("XDG_DATA_HOME", out var dataHome) && !string.IsNullOrEmpty(dataHome) && Path.IsPathRooted(dataHome))
            return Path.Combine(dataHome, "rewind", "default");
        string home = env.TryGetValue("HOME", out var h) && !string.IsNullOrEmpty(h)
            ? h
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".local", "share", "rewind", "default");
    }
}
