using Rewind.Engine.Storage;
using Rewind.Engine.Tests.Support;
using Xunit.Abstractions;

namespace Rewind.Engine.Tests;

/// <summary>
/// Thousands of random operations against the pool and an in-memory model side by side; every read,
/// diff and space count must agree with the model byte for byte, and scrub must stay clean throughout.
/// Replay a failure with REWIND_TEST_SEED=n.
/// </summary>
public class ModelBasedTests(ITestOutputHelper output)
{
    private const int SmallCluster = 4096;

    [Theory]
    [MemberData(nameof(Seeds.ModelRuns), MemberType = typeof(Seeds))]
    public void RandomOperationsOnSimulatedStorageAlwaysReadBackAsTheModel(int seed)
    {
        output.WriteLine($"seed {seed}");
        var options = new PoolOptions { Storage = new SimulatedStorage(), BackgroundWork = false, ClusterSize = SmallCluster };
        Run(seed, "/sim/model", options, steps: 2500, maxVolumeBytes: 2 << 20);
    }

    [Fact]
    public void RandomOperationsOnRealFilesWithLargeClustersAlwaysReadBackAsTheModel()
    {
        const int seed = 77;
        output.WriteLine($"seed {seed}");
        using var dir = new TempDirectory();
        var options = new PoolOptions { BackgroundWork = true, ClusterSize = 64 * 1024 };
        Run(seed, dir.Path, options, steps: 800, maxVolumeBytes: 2 << 20);
    }

    private void Run(int seed, string dir, PoolOptions options, int steps, long maxVolumeBytes)
    {
        var workload = new RandomWorkload(Pool.Open(dir, options), seed, maxVolumeBytes, options.ClusterSize)
        {
            ReopenOptions = options,
        };
        try
        {
            for (int i = 0; i < steps; i++)
            {
                workload.Step();
                int check = workload.Random.Next(100);
                if (check < 8) workload.DiffCheck();
                else if (check < 10) ModelChecks.EverythingMatches(workload.Subject, workload.Model, workload.Context);
                else if (check < 11) ModelChecks.ScrubIsClean(workload.Subject, workload.Context);
            }
            ModelChecks.EverythingMatches(workload.Subject, workload.Model, workload.Context + " at the end");
            ModelChecks.ScrubIsClean(workload.Subject, workload.Context + " at the end");
            workload.Subject.Dispose();
            workload.Subject = Pool.Open(dir, options);
            ModelChecks.EverythingMatches(workload.Subject, workload.Model, workload.Context + " after the final reopen");
            ModelChecks.ScrubIsClean(workload.Subject, workload.Context + " after the final reopen");
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Exception($"{workload.Context}: {e.Message}", e);
        }
        finally
        {
            workload.Subject.Dispose();
        }
    }
}
