#!/usr/bin/env bash
# The write stall of a group snapshot under load. For each group size in VOLUMES (default 2, 8 and 32
# volumes, split across two pools of one `rewind serve`), fio writes 4 KiB at random to every volume at
# once over NBD while COUNT group snapshots are taken through the API, INTERVAL_MS apart. Per snapshot:
#   pause  the engine's cut (pauseMs in the API answer): the time writers to the members were held off
#   call   the client-seen latency of POST /v1/groups/{name}/snapshots (cut + durable commit + HTTP)
# and, from fio, write completion latency with snapshots against the same load without them, plus the
# latency of the writes that completed while a snapshot call was in progress. Figures are medians over
# REPEAT runs. Target: 8-volume pause p99 < 5 ms.
#
#   bench/group-stall.sh                                   # VOLUMES="2 8 32" SIZE=64M COUNT=100 REPEAT=3, ~3 min
#   VOLUMES=8 COUNT=50 REPEAT=1 bench/group-stall.sh        # quick
#   RATE=0 bench/group-stall.sh                            # no cap on fio (default: 2000 write IOPS in total)
#   REWIND="dotnet /path/rewind.dll" bench/group-stall.sh  # another build of the CLI (default: ./rewind)
#   KEEP=1 bench/group-stall.sh                            # keep the raw samples (the temp dir) for a look
# Markdown to stdout, progress to stderr. Temporary disk: the volumes plus about RATE x MAX_SECONDS x 64 KiB
# (each 4 KiB write after a snapshot moves its whole 64 KiB cluster): ~3.5 GB at the defaults.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VOLUMES="${VOLUMES:-2 8 32}"
SIZE="${SIZE:-64M}"             # per volume
COUNT="${COUNT:-100}"           # group snapshots per run
INTERVAL_MS="${INTERVAL_MS:-50}" # from one snapshot's answer to the next request
REPEAT="${REPEAT:-3}"
MAX_SECONDS="${MAX_SECONDS:-10}" # per run: stop taking snapshots after this long even if COUNT is not reached
BASELINE="${BASELINE:-4}"       # seconds of the same load without snapshots, per run
IODEPTH="${IODEPTH:-16}"        # per volume
RATE="${RATE:-2000}"            # total write IOPS cap over all volumes; 0 = as fast as fio can (saturates a small box)
TARGET_MS="${TARGET_MS:-5}"
read -ra rewind_cmd <<<"${REWIND:-$root/rewind}"
helper="$root/bench/GroupStall/groupstall.py"
work="$(mktemp -d "${TMPDIR:-/tmp}/rewind-group-stall.XXXXXX")"
daemon_pid=""
fio_pid=""

for tool in fio curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install fio curl python3" >&2; exit 1; }
done

cleanup() {
  [[ -n "$fio_pid" ]] && { kill -INT "$fio_pid" 2>/dev/null || true; wait "$fio_pid" 2>/dev/null || true; }
  [[ -n "$daemon_pid" ]] && { kill -TERM "$daemon_pid" 2>/dev/null || true; wait "$daemon_pid" 2>/dev/null || true; }
  if [[ -n "${KEEP:-}" ]]; then echo "kept $work (per-run *.stats.json, *.snaps.jsonl, fio *.json)" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

log() { echo "$*" >&2; }

start_daemon() { # SITE_DIR
  "${rewind_cmd[@]}" --pool "$1/default" serve --nbd-listen none >"$1.serve.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 1 600); do
    [[ -S "$1/default/api.sock" && -S "$1/default/nbd.sock" ]] && return 0
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "rewind serve did not start; its output:" >&2; cat "$1.serve.log" >&2; exit 1
}

stop_daemon() { kill -TERM "$daemon_pid"; wait "$daemon_pid" || true; daemon_pid=""; }

# fio_jobs FILE N EXTRA... : one job per volume, all in one fio process; volume i lives in pool
# "second" when i is odd, so every group spans both pools.
fio_jobs() {
  local file="$1" n="$2"; shift 2
  {
    echo "[global]"
    echo "ioengine=nbd"
    echo "thread"
    echo "group_reporting"
    echo "size=$SIZE"
    printf '%s\n' "$@"
    for ((i = 0; i < n; i++)); do
      echo "[v$i]"
      echo "uri=nbd+unix:///$(volume_name "$i")?socket=$site/default/nbd.sock"
    done
  } >"$file"
}

volume_name() { if (($1 % 2)); then printf 'second/v%02d' "$1"; else printf 'v%02d' "$1"; fi; }

load_options() { # N
  local rate=()
  ((RATE > 0)) && rate=("rate_iops=$((RATE / $1 > 0 ? RATE / $1 : 1))")
  printf '%s\n' rw=randwrite bs=4k "iodepth=$IODEPTH" time_based ramp_time=1 percentile_list=50:99:99.9 "${rate[@]}"
}

if [[ -z "${REWIND:-}" ]]; then "$root/rewind" --help >/dev/null; fi # builds the CLI before anything is timed

busy() { # load average and the share of time some task waited for a CPU (Linux PSI), as context for the figures
  local psi; psi=$(awk '/^some/ {sub("avg60=", "", $3); print $3 "%"}' /proc/pressure/cpu 2>/dev/null || true)
  echo "load average $(cut -d' ' -f1-3 /proc/loadavg)${psi:+, CPU pressure (some, 60 s) $psi}"
}
api() { curl -sSf --unix-socket "$site/default/api.sock" -H 'Content-Type: application/json' "$@" >/dev/null; }

log "== group stall: VOLUMES=\"$VOLUMES\" SIZE=$SIZE per volume, COUNT=$COUNT ${INTERVAL_MS} ms apart (at most ${MAX_SECONDS}s), BASELINE=${BASELINE}s, REPEAT=$REPEAT, iodepth $IODEPTH, RATE=$RATE"
busy_before="$(busy)"
# new_site N: a fresh daemon and site per run, so every run starts alike (prefilled volumes, no snapshots)
# and no run pays for deleting the last one's snapshots.
new_site() {
  local n="$1" members=() i
  site="$work/site"
  rm -rf "$site"; mkdir -p "$site"
  start_daemon "$site"
  api -X POST -d "{\"name\":\"second\",\"directory\":\"$site/second\"}" http://rewind/v1/pools
  for ((i = 0; i < n; i++)); do
    api -X POST -d "{\"name\":\"$(volume_name "$i")\",\"size\":$(numfmt --from=iec "$SIZE")}" http://rewind/v1/volumes
    members+=("\"$(volume_name "$i")\"")
  done
  api -X POST -d "{\"name\":\"g$n\",\"members\":[$(IFS=,; echo "${members[*]}")]}" http://rewind/v1/groups
  fio_jobs "$work/fill.fio" "$n" rw=write bs=1M iodepth=8
  fio "$work/fill.fio" >/dev/null
  python3 "$helper" snap "$site/default/api.sock" "g$n" 10 0 60 warm "$work/warm.jsonl" # JIT and first-use costs, untimed
}

runs=()
for n in $VOLUMES; do
  log "  $n volumes ($((n / 2)) in pool second), each $SIZE, prefilled"
  for ((r = 1; r <= REPEAT; r++)); do
    new_site "$n"
    run="$work/n$n-r$r"
    # With snapshots: fio runs until the snapshots are done (SIGINT makes it stop and report).
    fio_jobs "$run.snap.fio" "$n" $(load_options "$n") runtime=3600 "write_lat_log=$run.lat" log_unix_epoch=1
    fio --output-format=json --output="$run.snap.json" "$run.snap.fio" >/dev/null 2>&1 &
    fio_pid=$!
    sleep 1.5 # connected and past the ramp, which fio leaves out of its figures
    python3 "$helper" snap "$site/default/api.sock" "g$n" "$COUNT" "$INTERVAL_MS" "$MAX_SECONDS" "r$r-" "$run.snaps.jsonl"
    sleep 0.5
    kill -INT "$fio_pid"; wait "$fio_pid" || true; fio_pid=""
    # The same load without snapshots.
    fio_jobs "$run.base.fio" "$n" $(load_options "$n") "runtime=$BASELINE"
    fio --output-format=json --output="$run.base.json" "$run.base.fio" >/dev/null
    stop_daemon
    rm -rf "$site"
    python3 "$helper" run-stats "$n" "$run.snaps.jsonl" "$run.base.json" "$run.snap.json" "$run.lat" "$run.stats.json"
    [[ -n "${KEEP:-}" ]] || rm -f "$run".lat_*.log
    runs+=("$run.stats.json")
    python3 "$helper" progress "$run.stats.json" "run $r"
  done
done

echo "### Group snapshot stall under fio load"
echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown), $(nproc) cores; before: $busy_before; after: $(busy)."
echo "fio: 4 KiB random writes, iodepth $IODEPTH per volume, one NBD connection per volume, $SIZE volumes, $( ((RATE > 0)) && echo "capped at $RATE IOPS in total" || echo "no rate cap"); up to $COUNT group snapshots per run (at most ${MAX_SECONDS} s of them), $INTERVAL_MS ms apart; $REPEAT runs per size."
echo
python3 "$helper" report "$TARGET_MS" "${runs[@]}"
