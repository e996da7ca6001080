#!/usr/bin/env bash
# fio over NBD, in one run, against Rewind and its peers:
#   rewind        rewind serve, one volume (unix socket)
#   qemu-raw      qemu-nbd serving a raw file (no snapshots at all: the stretch target)
#   qemu-qcow2    qemu-nbd serving a qcow2 file
#   nbdkit-mem    nbdkit's memory plugin (the transport's ceiling)
# Workloads: 4 KiB randread, 4 KiB randwrite, 1 MiB read, 1 MiB write, iodepth 16, one connection.
# Then snapshot depth: Rewind at depth 0/100/1000 and qcow2 backing chains at depth 0/100 (4 KiB randread).
# Prints each figure and Rewind's ratio to each peer. Machines here are noisy: each figure is the median
# of REPEAT runs.
#
#   bench/nbd-peers.sh                      # SIZE=1G RUNTIME=10 REPEAT=3
#   SIZE=256M RUNTIME=3 REPEAT=1 DEPTHS="0 100" bench/nbd-peers.sh   # quick
#   SIZE=4G WORKLOADS="randwrite 4k" DEPTHS= QCOW_DEPTHS= bench/nbd-peers.sh  # one workload, no depth runs
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZE="${SIZE:-1G}"
RUNTIME="${RUNTIME:-10}"
REPEAT="${REPEAT:-3}"
DEPTHS="${DEPTHS-0 100 1000}"
QCOW_DEPTHS="${QCOW_DEPTHS-0 100}"
work="$(mktemp -d "${TMPDIR:-/tmp}/rewind-nbd-bench.XXXXXX")"
pids=()

for tool in fio qemu-nbd qemu-img qemu-io nbdkit curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install fio qemu-utils nbdkit curl python3" >&2; exit 1; }
done

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

wait_for_socket() { for _ in $(seq 1 1800); do [[ -S "$1" ]] && return 0; sleep 0.1; done; echo "no socket $1" >&2; exit 1; }

bytes() { numfmt --from=iec "$1"; }

# fio_run URI RW BS -> prints "IOPS MiB/s" (median over REPEAT runs)
fio_run() {
  local uri="$1" rw="$2" bs="$3" results=()
  for _ in $(seq 1 "$REPEAT"); do
    fio --name=b --ioengine=nbd --uri="$uri" --rw="$rw" --bs="$bs" --iodepth=16 \
      --size="$SIZE" --runtime="$RUNTIME" --time_based --output-format=json --output="$work/fio.json" >/dev/null 2>&1
    results+=("$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))["jobs"][0]; d=j["read"] if j["read"]["io_bytes"] else j["write"]; print(d["iops"], d["bw_bytes"]/1048576)' "$work/fio.json")")
  done
  printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}'
}

prefill() { fio --name=fill --ioengine=nbd --uri="$1" --rw=write --bs=1M --iodepth=8 --size="$SIZE" >/dev/null; }

declare -A iops mibs
# WORKLOADS="randwrite 4k" (comma-separated "rw bs" pairs) picks some of them.
IFS=, read -r -a workloads <<< "${WORKLOADS:-randread 4k,randwrite 4k,read 1M,write 1M}"

measure() { # NAME URI
  local name="$1" uri="$2"
  prefill "$uri"
  for w in "${workloads[@]}"; do
    set -- $w
    read -r i m < <(fio_run "$uri" "$1" "$2")
    iops["$name/$1"]=$i; mibs["$name/$1"]=$m
    printf '  %-12s %-10s %10.0f IOPS %9.1f MiB/s\n' "$name" "$1 $2" "$i" "$m" >&2
  done
}

echo "== servers ($SIZE, ${RUNTIME}s x $REPEAT, iodepth 16)" >&2
pool="$work/pool"
"$root/rewind" --pool "$pool" serve --nbd-listen none >"$work/serve.log" 2>&1 &
pids+=($!); rewind_pid=$!
wait_for_socket "$pool/api.sock"
api() { curl -sf --unix-socket "$pool/api.sock" "$@"; }
api -X POST -H 'Content-Type: application/json' -d "{\"name\":\"bench\",\"size\":$(bytes "$SIZE")}" http://rewind/v1/volumes >/dev/null
measure rewind "nbd+unix:///bench?socket=$pool/nbd.sock"

truncate -s "$SIZE" "$work/disk.raw"
qemu-nbd -f raw -k "$work/raw.sock" -t "$work/disk.raw" & pids+=($!)
wait_for_socket "$work/raw.sock"
measure qemu-raw "nbd+unix:///?socket=$work/raw.sock"

qemu-img create -q -f qcow2 "$work/disk.qcow2" "$SIZE"
qemu-nbd -f qcow2 -k "$work/qcow.sock" -t "$work/disk.qcow2" & pids+=($!)
wait_for_socket "$work/qcow.sock"
measure qemu-qcow2 "nbd+unix:///?socket=$work/qcow.sock"

nbdkit -f -U "$work/mem.sock" memory size="$SIZE" & pids+=($!)
wait_for_socket "$work/mem.sock"
measure nbdkit-mem "nbd+unix:///?socket=$work/mem.sock"

[[ -z "$DEPTHS$QCOW_DEPTHS" ]] || echo "== snapshot depth (4 KiB randread)" >&2
declare -A depth_iops
size_bytes=$(bytes "$SIZE")
made=0
for d in $DEPTHS; do
  while ((made < d)); do
    # a little data between snapshots, as a VM would write between hourly snapshots
    off=$(( (RANDOM * 32768 + RANDOM) % (size_bytes / 4096) * 4096 ))
    head -c 4096 /dev/urandom | api -X PUT --data-binary @- -H 'Content-Type: application/octet-stream' \
      "http://rewind/v1/volumes/bench/data?offset=$off&flush=false" >/dev/null
    api -X POST -H 'Content-Type: application/json' -d "{\"name\":\"s$made\"}" http://rewind/v1/volumes/bench/snapshots >/dev/null
    made=$((made + 1))
  done
  read -r i _ < <(fio_run "nbd+unix:///bench?socket=$pool/nbd.sock" randread 4k)
  depth_iops["rewind/$d"]=$i
  printf '  rewind depth %-5s %10.0f IOPS\n' "$d" "$i" >&2
done
# ./rewind execs dotnet, so the daemon keeps the script's pid
rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$rewind_pid/status" 2>/dev/null || echo 0)

base="$work/chain0.qcow2"
if [[ -n "$QCOW_DEPTHS" ]]; then
  qemu-img create -q -f qcow2 "$base" "$SIZE"
  qemu-io -f qcow2 -c "write -P 0x5a 0 $SIZE" "$base" >/dev/null
fi
top="$base"; depth=0
for d in $QCOW_DEPTHS; do
  while ((depth < d)); do
    next="$work/chain$((depth + 1)).qcow2"
    qemu-img create -q -f qcow2 -b "$top" -F qcow2 "$next"
    off=$(( (RANDOM * 32768 + RANDOM) % (size_bytes / 4096) * 4096 ))
    qemu-io -f qcow2 -c "write -P 0x33 $off 4096" "$next" >/dev/null
    top="$next"; depth=$((depth + 1))
  done
  sock="$work/chain$d.sock"
  qemu-nbd -f qcow2 -k "$sock" -t -r "$top" & qpid=$!
  wait_for_socket "$sock"
  read -r i _ < <(fio_run "nbd+unix:///?socket=$sock" randread 4k)
  kill "$qpid"; wait "$qpid" 2>/dev/null || true
  depth_iops["qcow2/$d"]=$i
  printf '  qcow2 chain depth %-5s %10.0f IOPS\n' "$d" "$i" >&2
done

ratio() { python3 -c "a,b=float('$1'),float('$2'); print(f'{a/b:.2f}x' if b else 'n/a')"; }

echo
echo "### fio over NBD, $SIZE, iodepth 16, median of $REPEAT x ${RUNTIME}s"
echo
echo "| workload | rewind | qemu-nbd raw | qemu-nbd qcow2 | nbdkit memory | rewind/raw | rewind/qcow2 | rewind/memory |"
echo "|---|---|---|---|---|---|---|---|"
for w in "${workloads[@]}"; do
  set -- $w
  unit=IOPS; val() { printf '%.0f' "${iops[$1/$2]}"; }
  if [[ "$2" == 1M ]]; then unit=MiB/s; val() { printf '%.1f' "${mibs[$1/$2]}"; }; fi
  r=$(val rewind "$1"); q=$(val qemu-raw "$1"); c=$(val qemu-qcow2 "$1"); m=$(val nbdkit-mem "$1")
  echo "| $1 $2 ($unit) | $r | $q | $c | $m | $(ratio "$r" "$q") | $(ratio "$r" "$c") | $(ratio "$r" "$m") |"
done
if [[ -n "$DEPTHS$QCOW_DEPTHS" ]]; then
echo
echo "### 4 KiB random read at snapshot depth (IOPS)"
echo
echo "| server | depth | IOPS | ratio to its depth 0 |"
echo "|---|---|---|---|"
fi
for d in $DEPTHS; do echo "| rewind | $d | $(printf '%.0f' "${depth_iops[rewind/$d]}") | $(ratio "${depth_iops[rewind/$d]}" "${depth_iops[rewind/0]:-0}") |"; done
for d in $QCOW_DEPTHS; do echo "| qcow2 chain | $d | $(printf '%.0f' "${depth_iops[qcow2/$d]}") | $(ratio "${depth_iops[qcow2/$d]}" "${depth_iops[qcow2/0]:-0}") |"; done
echo
echo "rewind serve resident memory after the depth runs: $((rss_kib / 1024)) MiB"
