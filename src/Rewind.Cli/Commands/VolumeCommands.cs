using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Rewind.Cli.CommandLine;
using Rewind.Cli.Output;
using Rewind.Engine;

namespace Rewind.Cli.Commands;

/// <summary>volume create | list | info | resize | rename | delete</summary>
public static class VolumeCommands
{
    public static readonly CommandSpec Create = new(
        "volume create", ["NAME"],
        "create an empty thin-provisioned volume",
        """
        Creates a volume of the given size. It takes no space until written: never-written ranges
        read as zeros. NAME uses letters, digits and . _ - : and starts with a letter or digit;
        "POOL/NAME" creates it in another pool of the site ('rewind pool list').
        """,
        [new("--size", "SIZE", "the volume's size, e.g. 20G (binary units; a multiple of 512 bytes)")],
        ["rewind volume create web --size 20G", "rewind volume create fast/db --size 100G", "rewind volume create scratch --size 512M --json"],
        RunCreate) { RequiredOption = "--size" };

    public static readonly CommandSpec List = new(
        "volume list", [],
        "list volumes with their sizes and space use",
        """
        Lists the volumes of every pool (named POOL/NAME outside the default pool). SIZE is the
        virtual size, REFERENCED the data the volume maps now, USED what deleting the volume with all
        its snapshots would free, SNAPUSED what its snapshots alone hold, ORIGIN the snapshot a clone
        was made from (clones never depend on it).
        """,
        [], ["rewind volume list", "rewind volume list --json"],
        RunList);

    public static readonly CommandSpec Info = new(
        "volume info", ["NAME"],
        "show one volume and its snapshots",
        "Shows a volume's size, space use, origin, open handles and its snapshots.",
        [], ["rewind volume info web"],
        RunInfo);

    public static readonly CommandSpec Resize = new(
        "volume resize", ["NAME"],
        "grow or shrink a volume",
        """
        Sets a volume's size. "+SIZE" grows it by SIZE, "-SIZE" shrinks it by SIZE. Growing adds
        zeros at the end; shrinking discards the data past the new end (snapshots keep theirs).
        """,
        [new("--size", "SIZE", "new size (20G), or a change (+5G, -1G)")],
        ["rewind volume resize web --size 40G", "rewind volume resize web --size +5G"],
        RunResize) { RequiredOption = "--size" };

    public static readonly CommandSpec Rename = new(
        "volume rename", ["NAME", "NEWNAME"],
        "rename a volume (its snapshots follow it)",
        "Renames a volume; its snapshots become NEWNAME@SNAP.",
        [], ["rewind volume rename web web-old"],
        RunRename);

    public static readonly CommandSpec Delete = new(
        "volume delete", ["NAME"],
        "delete a volume",
        """
        Deletes a volume. A volume with snapshots is refused unless --recursive, which deletes them
        too. Clones made from it are independent and stay. Space returns in the background
        ('rewind status' shows what is pending).
        """,
        [
            new("--recursive", null, "also delete the volume's snapshots"),
            new("--force", null, "delete even while the volume is open (open handles become stale)"),
        ],
        ["rewind volume delete scratch", "rewind volume delete web --recursive"],
        RunDelete);

    public static IEnumerable<CommandSpec> All => [Create, List, Info, Resize, Rename, Delete];

    private static int RunCreate(CommandContext c)
    {
        long size = Sizes.Parse(c.Args.Value("--size")!);
        var info = c.Site.CreateVolume(c.Args[0], size);
        if (c.Print.Json) c.Print.WriteJson(info);
        else c.Print.Line($"created volume {info.Name} ({Sizes.Format(info.SizeBytes)})");
        return 0;
    }

    private static int RunList(CommandContext c)
    {
        var volumes = c.Site.ListVolumes();
        if (c.Print.Json)
        {
            c.Print.WriteJson(new { volumes });
            return 0;
        }
        if (volumes.Count == 0)
        {
            c.Print.Line("no volumes; create one with 'rewind volume create NAME --size 20G' (or POOL/NAME in another pool)");
            return 0;
        }
        var table = new Table("NAME", "SIZE", "REFERENCED", "USED", "SNAPUSED", "SNAPSHOTS", "ORIGIN");
        foreach (var v in volumes)
        {
            table.Add(v.Name, Sizes.Format(v.SizeBytes), Sizes.Format(v.ReferencedBytes), Sizes.Format(v.UsedBytes),
                Sizes.Format(v.SnapshotsUniqueBytes), v.SnapshotCount.ToString(CultureInfo.InvariantCulture), v.Origin ?? "-");
        }
        table.WriteTo(c.Print.Out);
        return 0;
    }

    private static int RunInfo(CommandContext c)
    {
        var v = c.Site.GetVolume(c.Args[0]);
        var snapshots = c.Site.ListSnapshots(v.Name);
        if (c.Print.Json)
        {
            var node = JsonSerializer.SerializeToNode(v, Printer.JsonOptions)!.AsObject();
            node["snapshots"] = JsonSerializer.SerializeToNode(snapshots, Printer.JsonOptions);
            c.Print.WriteJson(node);
            return 0;
        }
        var p = c.Print;
        p.Line($"name:        {v.Name}");
        p.Line($"size:        {Sizes.Format(v.SizeBytes)} ({v.SizeBytes} bytes)");
        p.Line($"referenced:  {Sizes.Format(v.ReferencedBytes)}");
        p.Line($"used:        {Sizes.Format(v.UsedBytes)} (snapshots alone: {Sizes.Format(v.SnapshotsUniqueBytes)})");
        p.Line($"created:     {v.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss zzz}");
        p.Line($"origin:      {v.Origin ?? "-"}");
        p.Line($"open:        {v.OpenHandles} handle(s)");
        p.Line($"snapshots:   {v.SnapshotCount}");
        if (snapshots.Count > 0)
        {
            p.Line();
            SnapshotTable.Write(p, snapshots);
        }
        return 0;
    }

    private static int RunResize(CommandContext c)
    {
        string name = c.Args[0];
        string text = c.Args.Value("--size")!;
        long size;
        if (text.StartsWith('+') || text.StartsWith('-'))
        {
            long change = Sizes.Parse(text[1..]);
            long current = c.Site.GetVolume(name).SizeBytes;
            size = text[0] == '+' ? current + change : current - change;
        }
        else
        {
            size = Sizes.Parse(text);
        }
        var info = c.Site.ResizeVolume(name, size);
        if (c.Print.Json) c.Print.WriteJson(info);
        else c.Print.Line($"resized volume {info.Name} to {Sizes.Format(info.SizeBytes)} ({info.SizeBytes} bytes)");
        return 0;
    }

    private static int RunRename(CommandContext c)
    {
        c.Site.RenameVolume(c.Args[0], c.Args[1]);
        if (c.Print.Json) c.Print.WriteJson(c.Site.GetVolume(c.Args[1]));
        else c.Print.Line($"renamed volume {c.Args[0]} to {c.Args[1]}");
        return 0;
    }

    private static int RunDelete(CommandContext c)
    {
        string name = c.Args[0];
        bool recursive = c.Args.Has("--recursive");
        int snapshots = recursive ? c.Site.GetVolume(name).SnapshotCount : 0;
        c.Site.DeleteVolume(name, recursive, c.Args.Has("--force"));
        if (c.Print.Json) c.Print.WriteJson(new { deleted = name, snapshotsDeleted = snapshots });
        else c.Print.Line(snapshots > 0 ? $"deleted volume {name} and its {snapshots} snapshot(s)" : $"deleted volume {name}");
        return 0;
    }
}
