using System.Diagnostics;
using System.IO.MemoryMappedFiles;
using Xunit.Sdk;

namespace Rewind.Server.Tests.Support;

/// <summary>
/// A real NBD client (libnbd, driven from the system python3) that writes sequence-numbered 512-byte
/// records alternately to two exports: record i (its number as a little-endian u64, then random bytes)
/// goes to export (i-1)%2 at offset ((i-1)/2)*512, and only after record i-1 was acknowledged.
///
/// Progress is shared through a 32-byte memory-mapped file so the test can read it at any instant
/// without waiting for a pipe: the writer stores "issued" before each pwrite and "acknowledged" after it
/// returns. A snapshot taken between reading "acknowledged" and reading "issued" therefore must hold at
/// least the first and at most the second.
/// </summary>
public sealed class NbdSequenceWriter : IDisposable
{
    public const int RecordBytes = 512;

    private const int AcknowledgedOffset = 0, IssuedOffset = 8, ConnectedOffset = 16, StopOffset = 17, StateBytes = 32;

    private const string Script = """
        import mmap, random, struct, sys
        import nbd

        sock, seed, capacity, state_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        with open(state_path, 'r+b') as f:
            state = mmap.mmap(f.fileno(), 32)
        volumes = []
        for name in sys.argv[5:7]:
            h = nbd.NBD()
            h.set_export_name(name)
            h.connect_unix(sock)
            volumes.append(h)
        state[16] = 1
        rng = random.Random(seed)
        seq = 0
        try:
            while state[17] == 0 and seq < capacity:
                seq += 1
                record = struct.pack('<Q', seq) + rng.randbytes(504)
                struct.pack_into('<Q', state, 8, seq)
                volumes[(seq - 1) % 2].pwrite(record, (seq - 1) // 2 * 512)
                struct.pack_into('<Q', state, 0, seq)
        except Exception as e:
            print(f'lost the server at record {seq}: {e}', flush=True)
            sys.exit(3)
        for h in volumes:
            h.shutdown()
        print(f'stopped after record {seq}', flush=True)
        """;

    private const string Python = "/usr/bin/python3";

    private readonly Process _process;
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _state;
    private readonly Task<string> _stdout, _stderr;
    private readonly string _scriptPath;

    private NbdSequenceWriter(Process process, MemoryMappedFile map, string scriptPath)
    {
        _process = process;
        _map = map;
        _state = map.CreateViewAccessor(0, StateBytes);
        _scriptPath = scriptPath;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>Starts writing at once; <paramref name="capacityRecords"/> is where it stops if never told to.</summary>
    public static NbdSequenceWriter Start(string nbdSocket, string leftExport, string rightExport, long capacityRecords, int seed, string workDirectory)
    {
        RequireLibnbd();
        string id = Guid.NewGuid().ToString("N")[..8];
        string scriptPath = Path.Combine(workDirectory, $"writer-{id}.py");
        string statePath = Path.Combine(workDirectory, $"writer-{id}.state");
        File.WriteAllText(scriptPath, Script);
        File.WriteAllBytes(statePath, new byte[StateBytes]);
        var map = MemoryMappedFile.CreateFromFile(statePath, FileMode.Open, null, StateBytes, MemoryMappedFileAccess.ReadWrite);
        var start = new ProcessStartInfo(Python)
        {
            ArgumentList = { scriptPath, nbdSocket, seed.ToString(), capacityRecords.ToString(), statePath, leftExport, rightExport },
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["LIBNBD_DEBUG"] = "0";
        return new NbdSequenceWriter(Process.Start(start)!, map, scriptPath);
    }

    private static void RequireLibnbd()
    {
        if (!File.Exists(Python) || !File.Exists("/usr/lib/python3/dist-packages/nbd.py"))
            throw new XunitException("the NBD writer needs libnbd's python binding for the system python: apt-get install python3-libnbd");
    }

    /// <summary>Records whose pwrite returned: the server acknowledged them.</summary>
    public long Acknowledged => _state.ReadInt64(AcknowledgedOffset);

    /// <summary>Records handed to pwrite (acknowledged or on their way).</summary>
    public long Issued => _state.ReadInt64(IssuedOffset);

    public bool HasExited => _process.HasExited;

    /// <summary>Waits until both exports are connected and at least <paramref name="records"/> are acknowledged.</summary>
    public async Task WaitUntilAcknowledgedAsync(long records, TimeSpan limit)
    {
        var deadline = Stopwatch.StartNew();
        while (_state.ReadByte(ConnectedOffset) == 0 || Acknowledged < records)
        {
            if (_process.HasExited) throw new XunitException($"the NBD writer exited before writing {records} records: {await DescribeExitAsync()}");
            if (deadline.Elapsed > limit) throw new XunitException($"the NBD writer acknowledged only {Acknowledged} of {records} records in {limit.TotalSeconds} s");
            await Task.Delay(5);
        }
    }

    /// <summary>Tells the writer to stop after its current record and waits for it; it must end cleanly.</summary>
    public async Task<string> StopAsync()
    {
        _state.Write(StopOffset, (byte)1);
        string exit = await WaitForExitAsync(TimeSpan.FromSeconds(30));
        if (_process.ExitCode != 0) throw new XunitException($"the NBD writer failed: {exit}");
        return exit;
    }

    /// <summary>Waits for the writer to end on its own (e.g. after its server died) and describes how.</summary>
    public async Task<string> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try { await _process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            throw new XunitException($"the NBD writer did not end within {limit.TotalSeconds} s (acknowledged {Acknowledged})");
        }
        return await DescribeExitAsync();
    }

    private async Task<string> DescribeExitAsync() =>
        $"exit {_process.ExitCode}: {(await _stdout).Trim()} {(await _stderr).Trim()}".Trim();

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
        _state.Dispose();
        _map.Dispose();
        File.Delete(_scriptPath);
    }
}
