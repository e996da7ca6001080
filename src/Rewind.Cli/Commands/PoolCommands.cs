using Rewind.Cli.CommandLine;
using Rewind.Cli.Output;

namespace Rewind.Cli.Commands;

/// <summary>pool add | list | remove: the storage tiers of one site.</summary>
public static class PoolCommands
{
    public static readonly CommandSpec Add = new(
        "pool add", ["NAME", "DIR"],
        "add a pool (a storage tier, e.g. a fast and a slow disk) to the site",
        """
        Registers the pool in directory DIR under NAME, creating it when DIR is new or empty, and
        opens it. Its volumes are then addressed as NAME/VOLUME in every command, the API and NBD export
        names; bare names stay in the default pool (the --pool directory). A group may take members
        from any pools and snapshots them all at one instant.
        """,
        [], ["rewind pool add fast /mnt/nvme/rewind", "rewind pool add slow /srv/hdd/rewind"],
        RunAdd)
    {
        Next = ["rewind volume create fast/vm1 --size 20G", "rewind group create vm1 fast/vm1 slow/vm1-data"],
    };

    public static readonly CommandSpec List = new(
        "pool list", [],
        "list the site's pools",
        """
        Lists the default pool and every added pool with its directory. A pool that did not open (its
        disk missing, say) shows why under STATE; its volumes are unavailable until it is back.
        """,
        [], ["rewind pool list", "rewind pool list --json"],
        RunList)
    {
        Next = ["rewind status", "rewind pool add NAME DIR"],
    };

    public static readonly CommandSpec Remove = new(
        "pool remove", ["NAME"],
        "forget a pool (its data stays in its directory)",
        """
        Removes the pool from the site: its volumes are no longer served or addressable, but nothing
        is deleted; 'rewind pool add' with the same directory brings them back. Refused while a group
        has members in the pool ('rewind group remove' them first). The default pool cannot be removed.
        """,
        [], ["rewind pool remove slow"],
        RunRemove);

    public static IEnumerable<CommandSpec> All => [Add, List, Remove];

    private static int RunAdd(CommandContext c)
    {
        // The daemon resolves paths from its own working directory, so send it an absolute one.
        var entry = c.Site.AddPool(c.Args[0], Path.GetFullPath(c.Args[1]));
        if (c.Print.Json) c.Print.WriteJson(entry);
        else c.Print.Line($"added pool {entry.Name} at {entry.Directory}; its volumes are {entry.Name}/VOLUME");
        return 0;
    }

    private static int RunList(CommandContext c)
    {
        var pools = c.Site.ListPools();
        if (c.Print.Json)
        {
            c.Print.WriteJson(new { pools });
            return 0;
        }
        var table = new Table("NAME", "DIRECTORY", "STATE");
        foreach (var p in pools)
            table.Add(p.Name, p.Directory, p.Error == null ? "open" : $"unavailable: {p.Error}");
        table.WriteTo(c.Print.Out);
        return 0;
    }

    private static int RunRemove(CommandContext c)
    {
        string name = c.Args[0];
        string? directory = c.Site.ListPools().FirstOrDefault(p => p.Name == name)?.Directory;
        c.Site.RemovePool(name);
        if (c.Print.Json) c.Print.WriteJson(new { removed = name, directory });
        else c.Print.Line($"removed pool {name}; its data stays in {directory}");
        return 0;
    }
}
