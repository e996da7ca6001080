namespace Rewind.Cli.CommandLine;

/// <summary>A command's positional arguments and options, checked against its <see cref="CommandSpec"/>.</summary>
public sealed class ParsedArguments
{
    private readonly Dictionary<string, string> _options;

    public IReadOnlyList<string> Positionals { get; }

    private ParsedArguments(IReadOnlyList<string> positionals, Dictionary<string, string> options)
    {
        Positionals = positionals;
        _options = options;
    }

    public string this[int index] => Positionals[index];

    public string? Optional(int index) => index < Positionals.Count ? Positionals[index] : null;

    /// <summary>The positionals from <paramref name="index"/> on: what a "MEMBER..." argument collected.</summary>
    public IReadOnlyList<string> From(int index) => Positionals.Skip(index).ToList();

    public bool Has(string option) => _options.ContainsKey(option);

    public string? Value(string option) => _options.GetValueOrDefault(option);

    /// <summary>
    /// Splits <paramref name="tokens"/> (what follows the verb) into positionals and the options the spec
    /// declares. "--name value" and "--name=value" both work; a value may start with '-' (a relative
    /// size such as "-1G"); "--" ends options; a lone "-" is a positional (stdin or stdout).
    /// </summary>
    public static ParsedArguments Parse(CommandSpec spec, IReadOnlyList<string> tokens)
    {
        var positionals = new List<string>();
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        bool optionsEnded = false;
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i];
            if (optionsEnded || token == "-" || !token.StartsWith('-'))
            {
                positionals.Add(token);
                continue;
            }
            if (token == "--")
            {
                optionsEnded = true;
                continue;
            }
            int eq = token.IndexOf('=');
            string name = eq > 0 ? token[..eq] : token;
            var option = spec.FindOption(name)
                ?? throw new UsageException($"unknown option '{name}' for 'rewind {spec.Verb}'");
            string value;
            if (!option.TakesValue)
            {
                if (eq > 0) throw new UsageException($"option {name} takes no value");
                value = "";
            }
            else if (eq > 0)
            {
                value = token[(eq + 1)..];
            }
            else if (i + 1 < tokens.Count)
            {
                value = tokens[++i];
            }
            else
            {
                throw new UsageException($"option {name} needs a value ({option.ValueName})");
            }
            if (!options.TryAdd(name, value)) throw new UsageException($"option {name} given twice");
        }

        if (positionals.Count < spec.RequiredArguments)
            throw new UsageException($"missing {spec.Arguments[positionals.Count].Trim('[', ']')}");
        if (positionals.Count > spec.Arguments.Count && !spec.TakesMany)
            throw new UsageException($"unexpected argument '{positionals[spec.Arguments.Count]}'");
        if (spec.RequiredOption != null && !options.ContainsKey(spec.RequiredOption))
            throw new UsageException($"missing {spec.RequiredOption}");
        return new ParsedArguments(positionals, options);
    }
}
