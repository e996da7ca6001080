#!/usr/bin/env bash
# Resident memory of `rewind serve` holding a volume with SIZE written (fio over NBD, 1 MiB writes of
# random data) and then SNAPSHOTS snapshots with a 4 KiB write between each.
#   bench/daemon-memory.sh                 # SIZE=16G SNAPSHOTS=1000 (needs ~17 GB of free disk)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SIZE="${SIZE:-16G}"
SNAPSHOTS="${SNAPSHOTS:-1000}"
work="$(mktemp -d "${TMPDIR:-/tmp}/rewind-mem-bench.XXXXXX")"
pool="$work/pool"
"$root/rewind" --pool "$pool" serve --nbd-listen none >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 1800); do [[ -S "$pool/api.sock" && -S "$pool/nbd.sock" ]] && break; sleep 0.1; done
api() { curl -sf --unix-socket "$pool/api.sock" "$@"; }
bytes=$(numfmt --from=iec "$SIZE")
api -X POST -H 'Content-Type: application/json' -d "{\"name\":\"big\",\"size\":$bytes}" http://rewind/v1/volumes >/dev/null
fio --name=fill --ioengine=nbd --uri="nbd+unix:///big?socket=$pool/nbd.sock" --rw=write --bs=1M --iodepth=8 \
  --size="$SIZE" --refill_buffers >/dev/null
rss() { awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$pid/status"; }
echo "rewind serve RSS with $SIZE written: $(rss)"
for i in $(seq 1 "$SNAPSHOTS"); do
  off=$(( (RANDOM * 32768 + RANDOM) % (bytes / 4096) * 4096 ))
  head -c 4096 /dev/urandom | api -X PUT --data-binary @- "http://rewind/v1/volumes/big/data?offset=$off&flush=false" >/dev/null
  api -X POST -H 'Content-Type: application/json' -d "{\"name\":\"s$i\"}" http://rewind/v1/volumes/big/snapshots >/dev/null
done
echo "rewind serve RSS after $SNAPSHOTS snapshots: $(rss)"
api http://rewind/v1/status | python3 -c 'import json,sys; s=json.load(sys.stdin); m=s["mapMemoryBytes"]/1048576; a=s["allocatedBytes"]/2**30; print(f"map memory {m:.1f} MiB for {a:.1f} GiB allocated")'
