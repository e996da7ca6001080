namespace Rewind.Bench;

/// <summary>Collects rows and prints them as one GitHub-flavoured Markdown table with aligned columns.</summary>
internal sealed class MarkdownTable(params string[] headers)
{
    private readonly List<string[]> _rows = new();

    public void Add(params object[] cells) =>
        _rows.Add(cells.Select(c => c switch
        {
            double d => Format(d),
            _ => c?.ToString() ?? "",
        }).ToArray());

    /// <summary>Three significant figures at most, so noisy numbers do not pretend to precision.</summary>
    public static string Format(double d) =>
        double.IsNaN(d) ? "n/a"
        : Math.Abs(d) >= 1000 ? d.ToString("N0")
        : Math.Abs(d) >= 100 ? d.ToString("F0")
        : Math.Abs(d) >= 10 ? d.ToString("F1")
        : Math.Abs(d) >= 1 ? d.ToString("F2")
        : d.ToString("F3");

    public void Print(TextWriter o)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, _rows.Select(r => i < r.Length ? r[i].Length : 0).DefaultIfEmpty(0).Max())).ToArray();
        string Line(IReadOnlyList<string> cells) =>
            "| " + string.Join(" | ", widths.Select((w, i) => (i < cells.Count ? cells[i] : "").PadRight(w))) + " |";
        o.WriteLine(Line(headers));
        o.WriteLine("|" + string.Join("|", widths.Select(w => new string('-', w + 2))) + "|");
        foreach (var r in _rows) o.WriteLine(Line(r));
        o.WriteLine();
    }
}
