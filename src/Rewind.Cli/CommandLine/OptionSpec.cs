namespace Rewind.Cli.CommandLine;

/// <summary>One option a command accepts. A null <paramref name="ValueName"/> makes it a flag.</summary>
public sealed record OptionSpec(string Name, string? ValueName, string Help)
{
    public bool TakesValue => ValueName != null;

    public string Display => TakesValue ? $"{Name} {ValueName}" : Name;
}
