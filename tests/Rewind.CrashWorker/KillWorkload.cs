using Rewind.Engine;

namespace Rewind.CrashWorker;

/// <summary>One operation of the kill test, with everything needed to replay it (the data comes from <see cref="DataSeed"/>).</summary>
public sealed record KillOp(string Kind, long Offset, long Length, int DataSeed, string Snapshot, bool Fua);

/// <summary>
/// The operation sequence of the SIGKILL crash test. This file is compiled into the worker (which runs
/// it against a real pool until it is killed) and into the test (which replays it on the model), so
/// both sides see the same operations for the same seed, run number and starting snapshots.
/// </summary>
public static class KillWorkload
{
    public const string Volume = "v";
    public const long VolumeSize = 1 << 20;
    public const int ClusterSize = 4096;
    public const int OpsPerRun = 600;

    public static List<KillOp> Generate(int seed, int run, IReadOnlyList<string> existingSnapshots, bool volumeExists)
    {
        var rng = new Random(seed * 7919 + run);
        var snapshots = existingSnapshots.ToList();
        var ops = new List<KillOp>();
        if (!volumeExists) ops.Add(new KillOp("create", 0, VolumeSize, 0, "", false));
        int named = 0;
        while (ops.Count < OpsPerRun)
        {
            int roll = rng.Next(100);
            long offset = rng.NextInt64(VolumeSize);
            long length = rng.NextInt64(1, Math.Min(3L * ClusterSize, VolumeSize - offset) + 1);
            if (roll < 50) ops.Add(new KillOp("write", offset, length, rng.Next(), "", rng.Next(10) == 0));
            else if (roll < 60) ops.Add(new KillOp("trim", offset, length, 0, "", false));
            else if (roll < 72) ops.Add(new KillOp("flush", 0, 0, 0, "", false));
            else if (roll < 82 && snapshots.Count < 6)
            {
                string name = $"r{run}s{++named}";
                snapshots.Add(name);
                ops.Add(new KillOp("snapshot", 0, 0, 0, name, false));
            }
            else if (roll < 91 && snapshots.Count > 0)
                ops.Add(new KillOp("rollback", 0, 0, 0, snapshots[rng.Next(snapshots.Count)], false));
            else if (snapshots.Count > 0)
            {
                string name = snapshots[rng.Next(snapshots.Count)];
                snapshots.Remove(name);
                ops.Add(new KillOp("delete-snapshot", 0, 0, 0, name, false));
            }
        }
        return ops;
    }

    public static byte[] Data(KillOp op)
    {
        var data = new byte[op.Length];
        new Random(op.DataSeed).NextBytes(data);
        return data;
    }

    /// <summary>True when everything up to and including this operation is durable once it returns.</summary>
    public static bool IsDurable(KillOp op) => op.Kind != "write" && op.Kind != "trim" || op.Fua;

    public static void Apply(Pool pool, KillOp op)
    {
        switch (op.Kind)
        {
            case "create": pool.CreateVolume(Volume, op.Length); break;
            case "write": using (var h = pool.Open(Volume)) h.Write(op.Offset, Data(op), op.Fua); break;
            case "trim": using (var h = pool.Open(Volume)) h.Trim(op.Offset, op.Length, op.Fua); break;
            case "flush": pool.Flush(); break;
            case "snapshot": pool.CreateSnapshot(Volume, op.Snapshot); break;
            case "rollback": pool.Rollback(Volume, op.Snapshot); break;
            case "delete-snapshot": pool.DeleteSnapshot(Volume, op.Snapshot); break;
            default: throw new InvalidOperationException($"unknown operation {op.Kind}");
        }
    }
}
