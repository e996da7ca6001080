#!/usr/bin/env python3
"""Helper for bench/group-stall.sh: drives group snapshots through the control API and summarises the runs.

  groupstall.py snap API_SOCKET GROUP COUNT INTERVAL_MS MAX_SECONDS PREFIX OUT.jsonl
      takes group snapshots PREFIX0, PREFIX1, ... INTERVAL_MS apart (from one's answer to the next request)
      over one kept-alive connection: COUNT of them, or fewer when MAX_SECONDS run out first. One JSON line
      per snapshot: wall-clock start and end (epoch ms), client latency and the engine's pause (ms).
  groupstall.py run-stats VOLUMES SNAPS.jsonl FIO_BASE.json FIO_SNAP.json LATLOG_PREFIX OUT.json
      one run's figures: pause and call percentiles, fio write clat baseline vs with snapshots, and the clat
      of writes that completed while a group snapshot call was in progress.
  groupstall.py progress RUN.json LABEL
      one line on stderr for a finished run.
  groupstall.py report TARGET_MS RUN.json...
      medians over the runs for each N, as a markdown table, and the target line.
"""
import glob
import http.client
import json
import socket
import statistics
import sys
import time
import urllib.parse


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: str):
        super().__init__("rewind", timeout=120)
        self._path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self._path)


def call(conn: UnixHTTPConnection, method: str, path: str, body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path} failed with HTTP {response.status}: {payload.decode(errors='replace')}")
    return json.loads(payload) if payload else None


def snap(api_socket: str, group: str, count: str, interval_ms: str, max_seconds: str, prefix: str, out_path: str):
    conn = UnixHTTPConnection(api_socket)
    route = f"/v1/groups/{urllib.parse.quote(group, safe='')}/snapshots"
    gap = float(interval_ms) / 1000
    deadline = time.monotonic() + float(max_seconds)
    with open(out_path, "w") as out:
        for i in range(int(count)):
            if i > 0:
                if time.monotonic() + gap > deadline:
                    print(f"    time limit: {i} of {count} snapshots taken in {max_seconds} s", file=sys.stderr)
                    break
                time.sleep(gap)
            wall_start = time.time()
            t0 = time.perf_counter()
            answer = call(conn, "POST", route, {"name": f"{prefix}{i}", "reason": "group-stall bench"})
            call_ms = (time.perf_counter() - t0) * 1000
            wall_end = time.time()
            out.write(json.dumps({"startMs": wall_start * 1000, "endMs": wall_end * 1000,
                                  "callMs": call_ms, "pauseMs": answer["pauseMs"]}) + "\n")


def percentile(values, p):
    """Nearest-rank percentile: a value that was really observed."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def fio_write(path: str):
    """Write figures of a group-reported fio run: IOPS and completion-latency percentiles in ms."""
    text = open(path).read()
    job = json.loads(text[text.index("{"):])["jobs"][0]  # fio stopped by SIGINT puts a notice first
    write = job["write"]
    clat = write["clat_ns"]
    pct = {float(k): v / 1e6 for k, v in clat.get("percentile", {}).items()}
    return {"iops": write["iops"], "clatP50": pct.get(50.0, 0), "clatP99": pct.get(99.0, 0),
            "clatP999": pct.get(99.9, 0), "clatMax": clat["max"] / 1e6}


def writes_during_calls(snaps, latlog_prefix):
    """Clat (ms) of writes that completed while a group snapshot call was in progress, and of the rest.

    fio logs each completion with an epoch-millisecond stamp; a write counts as 'during' when it completed
    between a call's start and 1 ms after its end (the stamp's resolution)."""
    windows = sorted((s["startMs"], s["endMs"] + 1) for s in snaps)
    first, last = windows[0][0], windows[-1][1]
    during, outside = [], []
    for path in glob.glob(latlog_prefix + "_clat.*.log"):
        stamps = []
        with open(path) as log:
            for line in log:
                fields = line.split(",")
                stamps.append((int(fields[0]), int(fields[1]) / 1e6))
        stamps.sort()
        w = 0
        for stamp, lat in stamps:
            if stamp < first or stamp > last:
                continue  # only the stretch in which snapshots were being taken
            while w < len(windows) and windows[w][1] < stamp:
                w += 1
            (during if w < len(windows) and windows[w][0] <= stamp else outside).append(lat)
    summary = lambda v: {"count": len(v), "p50": percentile(v, 50) if v else 0,
                         "p99": percentile(v, 99) if v else 0, "max": max(v) if v else 0}
    return summary(during), summary(outside)


def run_stats(volumes, snaps_path, fio_base, fio_snap, latlog_prefix, out_path):
    snaps = [json.loads(line) for line in open(snaps_path)]
    pauses = [s["pauseMs"] for s in snaps]
    calls = [s["callMs"] for s in snaps]
    during, outside = writes_during_calls(snaps, latlog_prefix)
    stats = {
        "volumes": int(volumes),
        "count": len(snaps),
        "pauses": pauses,
        "pause": {"p50": percentile(pauses, 50), "p99": percentile(pauses, 99), "max": max(pauses)},
        "call": {"p50": percentile(calls, 50), "p99": percentile(calls, 99), "max": max(calls)},
        "fioBaseline": fio_write(fio_base),
        "fioSnapshots": fio_write(fio_snap),
        "writesDuringCalls": during,
        "writesOutsideCalls": outside,
    }
    with open(out_path, "w") as out:
        json.dump(stats, out)


def progress_line(stats_path, label):
    s = json.load(open(stats_path))
    pause, call_, base, snaps = s["pause"], s["call"], s["fioBaseline"], s["fioSnapshots"]
    print(f"    {label}: pause p50 {pause['p50']:.2f} p99 {pause['p99']:.2f} max {pause['max']:.2f} ms; "
          f"call p50 {call_['p50']:.1f} p99 {call_['p99']:.1f} ms; fio write clat p99 {base['clatP99']:.2f} -> "
          f"{snaps['clatP99']:.2f} ms, IOPS {base['iops']:.0f} -> {snaps['iops']:.0f}", file=sys.stderr)


def report(target_ms, run_paths):
    runs = {}
    for path in run_paths:
        stats = json.load(open(path))
        runs.setdefault(int(stats["volumes"]), []).append(stats)
    med = lambda rs, f: statistics.median(f(r) for r in rs)
    worst = lambda rs, f: max(f(r) for r in rs)
    ms = lambda v: f"{v:.2f}" if v < 100 else f"{v:.0f}"
    print("| volumes | runs / snapshots | pause p50 | pause p99 | pause max | call p50 | call p99 | call max "
          "| fio clat p99 no snaps → snaps | fio clat max no snaps → snaps | writes done during a call: p99 / max "
          "| write IOPS no snaps → snaps |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in sorted(runs):
        rs = runs[n]
        print(f"| {n} | {len(rs)} / {sum(r['count'] for r in rs)} "
              f"| {ms(med(rs, lambda r: r['pause']['p50']))} | {ms(med(rs, lambda r: r['pause']['p99']))} "
              f"| {ms(worst(rs, lambda r: r['pause']['max']))} "
              f"| {ms(med(rs, lambda r: r['call']['p50']))} | {ms(med(rs, lambda r: r['call']['p99']))} "
              f"| {ms(worst(rs, lambda r: r['call']['max']))} "
              f"| {ms(med(rs, lambda r: r['fioBaseline']['clatP99']))} → {ms(med(rs, lambda r: r['fioSnapshots']['clatP99']))} "
              f"| {ms(worst(rs, lambda r: r['fioBaseline']['clatMax']))} → {ms(worst(rs, lambda r: r['fioSnapshots']['clatMax']))} "
              f"| {ms(med(rs, lambda r: r['writesDuringCalls']['p99']))} / {ms(worst(rs, lambda r: r['writesDuringCalls']['max']))} "
              f"(outside: {ms(med(rs, lambda r: r['writesOutsideCalls']['p99']))} / {ms(worst(rs, lambda r: r['writesOutsideCalls']['max']))}) "
              f"| {med(rs, lambda r: r['fioBaseline']['iops']):.0f} → {med(rs, lambda r: r['fioSnapshots']['iops']):.0f} |")
    print()
    print("All times in ms. p50/p99: median over the runs of each run's percentile; max: the worst over all runs.")
    target = float(target_ms)
    if 8 in runs:
        p99 = med(runs[8], lambda r: r["pause"]["p99"])
        verdict = "PASS" if p99 < target else "MISS"
        print(f"\nTarget: 8-volume group snapshot pause p99 < {target:g} ms: {p99:.2f} ms {verdict}")
    else:
        print(f"\nTarget: 8-volume pause p99 < {target:g} ms: not measured (VOLUMES has no 8)")


def main(argv):
    commands = {"snap": (snap, 7), "run-stats": (run_stats, 6), "progress": (progress_line, 2)}
    if len(argv) >= 2 and argv[1] == "report" and len(argv) >= 4:
        report(argv[2], argv[3:])
    elif len(argv) >= 2 and argv[1] in commands and len(argv) == 2 + commands[argv[1]][1]:
        commands[argv[1]][0](*argv[2:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
