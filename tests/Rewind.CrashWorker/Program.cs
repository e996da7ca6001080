using Rewind.CrashWorker;
using Rewind.Engine;

// Usage: Rewind.CrashWorker POOL_DIR SEED RUN
// Opens the pool, runs the kill test's operations for (SEED, RUN) and prints "durable N" (flushed) each
// time the first N operations have become durable, until it finishes ("done") or is killed.
if (args.Length != 3 || !int.TryParse(args[1], out int seed) || !int.TryParse(args[2], out int run))
{
    Console.Error.WriteLine("usage: Rewind.CrashWorker POOL_DIR SEED RUN");
    return 2;
}
var stdout = Console.Out;
using var pool = Pool.Open(args[0], new PoolOptions { ClusterSize = KillWorkload.ClusterSize, HolderDescription = "crash worker" });
bool exists = pool.VolumeExists(KillWorkload.Volume);
var snapshots = exists ? pool.ListSnapshots(KillWorkload.Volume).Select(s => s.Name).ToList() : new List<string>();
var ops = KillWorkload.Generate(seed, run, snapshots, exists);
stdout.WriteLine("ready");
stdout.Flush();
for (int i = 0; i < ops.Count; i++)
{
    KillWorkload.Apply(pool, ops[i]);
    if (KillWorkload.IsDurable(ops[i]))
    {
        stdout.WriteLine($"durable {i + 1}");
        stdout.Flush();
    }
}
stdout.WriteLine("done");
stdout.Flush();
return 0;
