#!/usr/bin/env bash
# Puts qemu-img/qemu-io/qemu-nbd 10 from Debian's bookworm-backports into OUT/usr/bin, beside the
# system's qemu (bookworm's 7.2). 7.2 predates NBD extended headers; 10 negotiates them, so the tests
# that prove extended headers with a real client use this one. The package is unpacked, not installed,
# so nothing else on the machine changes. Reuses OUT when it already holds that version.
#   tests/tools/fetch-qemu-backport.sh OUT
set -euo pipefail
out="${1:?usage: fetch-qemu-backport.sh OUT}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm-backports
if [[ -x "$out/usr/bin/qemu-io" ]] && "$out/usr/bin/qemu-io" --version 2>/dev/null | grep -q "version 10\."; then exit 0; fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
curl -fsS --retry 3 -o "$tmp/Packages.xz" "$mirror/dists/$suite/main/binary-amd64/Packages.xz"
xz -d "$tmp/Packages.xz"
path="$(awk '/^Package: qemu-utils$/ {p=1} p && /^Filename: / {print $2; exit}' "$tmp/Packages")"
[[ -n "$path" ]] || { echo "fetch-qemu-backport: no qemu-utils in $suite" >&2; exit 1; }
curl -fsS --retry 3 -o "$tmp/qemu-utils.deb" "$mirror/$path"
rm -rf "$out"
mkdir -p "$out"
dpkg-deb -x "$tmp/qemu-utils.deb" "$out"
# Its libraries are bookworm's own; say so loudly here rather than in a test if one is missing.
if ldd "$out/usr/bin/qemu-io" | grep -q "not found"; then
  ldd "$out/usr/bin/qemu-io" | grep "not found" >&2
  echo "fetch-qemu-backport: install the libraries above (apt-get install)" >&2
  exit 1
fi
"$out/usr/bin/qemu-io" --version | head -1
