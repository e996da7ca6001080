namespace Rewind.Bench;

/// <summary>One checked target for the summary: what was measured against what goal.</summary>
internal sealed record TargetResult(string Benchmark, string What, string Goal, string Measured, bool Pass);

/// <summary>One map-memory observation; recorded by whichever benchmark builds that state first.</summary>
internal sealed record MapMemorySample(string State, long MapBytes, long AllocatedBytes, int ClusterSize)
{
    public double BytesPerCluster => MapBytes / (AllocatedBytes / (double)ClusterSize);
}

/// <summary>What every benchmark shares: options, output, and the results the summary prints.</summary>
internal sealed class BenchContext(BenchOptions options, TextWriter output)
{
    public BenchOptions Options { get; } = options;
    public TextWriter Out { get; } = output;
    public bool Quick => Options.Quick;
    public List<TargetResult> Targets { get; } = new();
    public Dictionary<string, MapMemorySample> MapMemory { get; } = new();

    public void Check(string benchmark, string what, string goal, string measured, bool pass) =>
        Targets.Add(new TargetResult(benchmark, what, goal, measured, pass));

    /// <summary>Progress goes to stderr so stdout stays a clean Markdown report.</summary>
    public void Progress(string message) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {message}");

    public TempPool NewPool(string label) => new(Options.Directory, label);
}
