using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Rewind.Server.Tests.Support;

public enum AttemptOutcome
{
    /// <summary>The API answered 201: the snapshot must exist in every member from then on.</summary>
    Acknowledged,

    /// <summary>The API answered with an error.</summary>
    Refused,

    /// <summary>The daemon died before answering: the snapshot may exist in every member or in none.</summary>
    Interrupted,
}

/// <summary>
/// One group snapshot request, with the writer's progress around it: <see cref="AcknowledgedBefore"/>
/// read just before the request was sent, <see cref="IssuedAfter"/> just after the answer came.
/// <see cref="WriterPause"/> is how long the daemon says the cut held writers up.
/// </summary>
public sealed record GroupSnapshotAttempt(string Name, long AcknowledgedBefore, long IssuedAfter, AttemptOutcome Outcome, TimeSpan Latency,
    TimeSpan? WriterPause, string? Error);

/// <summary>Takes group snapshots "g0", "g1", ... through the API back to back, a few milliseconds apart.</summary>
public sealed class GroupSnapshotLoop(SiteClient api, string group, NbdSequenceWriter writer, Random pacing)
{
    private readonly List<GroupSnapshotAttempt> _attempts = new();
    private volatile bool _inFlight;

    /// <summary>True while a request is on its way or being served.</summary>
    public bool InFlight => _inFlight;

    public IReadOnlyList<GroupSnapshotAttempt> Attempts => _attempts;

    public int AcknowledgedCount => _attempts.Count(a => a.Outcome == AttemptOutcome.Acknowledged);

    /// <summary>Runs until <paramref name="keepGoing"/> says stop, a request is refused, or the daemon goes away.</summary>
    public async Task RunAsync(Func<bool> keepGoing)
    {
        for (int i = 0; keepGoing(); i++)
        {
            string name = $"g{i}";
            long acknowledgedBefore = writer.Acknowledged;
            var latency = Stopwatch.StartNew();
            _inFlight = true;
            try
            {
                var (status, body) = await api.SnapshotGroupAsync(group, name);
                _inFlight = false;
                bool created = status == HttpStatusCode.Created;
                var pause = created ? TimeSpan.FromMilliseconds(JsonDocument.Parse(body).RootElement.GetProperty("pauseMs").GetDouble()) : (TimeSpan?)null;
                _attempts.Add(new(name, acknowledgedBefore, writer.Issued, created ? AttemptOutcome.Acknowledged : AttemptOutcome.Refused,
                    latency.Elapsed, pause, created ? null : $"{(int)status} {body}"));
                if (!created) return;
            }
            catch (HttpRequestException e)
            {
                _inFlight = false;
                _attempts.Add(new(name, acknowledgedBefore, writer.Issued, AttemptOutcome.Interrupted, latency.Elapsed, null, e.Message));
                return;
            }
            await Task.Delay(pacing.Next(1, 4));
        }
    }
}
