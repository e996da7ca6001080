using System.Diagnostics;
using Rewind.Cli.CommandLine;

namespace Rewind.Cli.Output;

/// <summary>
/// A one-line progress bar redrawn in place on stderr, only when stderr is a terminal (scripts and logs
/// get nothing). Redraws at most ten times a second so a fast copy does not spend its time drawing.
/// </summary>
public sealed class ProgressBar : IProgress<double>, IDisposable
{
    private const int BarWidth = 30;
    private readonly TextWriter? _writer;
    private readonly string _label;
    private readonly long _totalBytes;
    private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    private bool _drawn;

    /// <param name="totalBytes">Shown as "done/total" beside the bar; 0 shows the percentage only.</param>
    public ProgressBar(TextWriter? writer, string label, long totalBytes)
    {
        _writer = writer;
        _label = label;
        _totalBytes = totalBytes;
    }

    public void ReportBytes(long doneBytes) =>
        Report(_totalBytes <= 0 ? 1 : (double)doneBytes / _totalBytes);

    /// <param name="fraction">0 to 1.</param>
    public void Report(double fraction)
    {
        if (_writer == null) return;
        if (_drawn && fraction < 1 && _sinceDraw.ElapsedMilliseconds < 100) return;
        _sinceDraw.Restart();
        fraction = Math.Clamp(fraction, 0, 1);
        int filled = (int)(fraction * BarWidth);
        string amount = _totalBytes > 0 ? $" {Sizes.Format((long)(fraction * _totalBytes))}/{Sizes.Format(_totalBytes)}" : "";
        _writer.Write($"\r{_label} [{new string('#', filled)}{new string('.', BarWidth - filled)}] {fraction * 100,3:0}%{amount}  ");
        _writer.Flush();
        _drawn = true;
    }

    public void Dispose()
    {
        if (_writer == null || !_drawn) return;
        _writer.WriteLine();
        _writer.Flush();
    }
}
