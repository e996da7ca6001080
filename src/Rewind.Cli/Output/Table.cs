namespace Rewind.Cli.Output;

/// <summary>An aligned text table: a header row, then rows; columns of numbers (sizes, counts) are right-aligned.</summary>
public sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = new();

    public Table Add(params string[] cells)
    {
        if (cells.Length != headers.Length) throw new ArgumentException("row width differs from the header");
        _rows.Add(cells);
        return this;
    }

    public int RowCount => _rows.Count;

    public void WriteTo(TextWriter writer)
    {
        var widths = new int[headers.Length];
        var rightAligned = new bool[headers.Length];
        for (int c = 0; c < headers.Length; c++)
        {
            widths[c] = Math.Max(headers[c].Length, _rows.Count == 0 ? 0 : _rows.Max(r => r[c].Length));
            // The first column is a name, even when a name happens to start with a digit.
            rightAligned[c] = c > 0 && _rows.Count > 0 && _rows.All(r => r[c].Length > 0 && char.IsAsciiDigit(r[c][0]));
        }
        WriteRow(writer, headers, widths, rightAligned);
        foreach (var row in _rows) WriteRow(writer, row, widths, rightAligned);
    }

    private static void WriteRow(TextWriter writer, string[] cells, int[] widths, bool[] rightAligned)
    {
        var line = new System.Text.StringBuilder();
        for (int c = 0; c < cells.Length; c++)
        {
            if (c > 0) line.Append("  ");
            bool last = c == cells.Length - 1;
            if (rightAligned[c]) line.Append(cells[c].PadLeft(widths[c]));
            else line.Append(last ? cells[c] : cells[c].PadRight(widths[c]));
        }
        writer.WriteLine(line.ToString().TrimEnd()); // an empty last cell leaves no trailing blanks
    }
}
