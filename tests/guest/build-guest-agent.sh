#!/usr/bin/env bash
# Builds the guest-agent variant of the test guest: the same kernel and initramfs as build-guest.sh,
# and a root filesystem that also holds Debian's qemu-ga (with the shared libraries it links), the
# virtio_console module, agent-init.sh as /sbin/init and agent-shutdown.sh as /sbin/shutdown.
#   tests/guest/build-guest-agent.sh OUTDIR [BASEDIR]
# BASEDIR is where build-guest.sh builds (or finds cached) the base guest; default .build/guest.
# Outputs OUTDIR/vmlinuz, OUTDIR/initramfs.img, OUTDIR/rootfs.img (+ rootfs.img.sha256), cached under a
# key of every input like build-guest.sh. The last line printed on stdout is OUTDIR.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
outdir="${1:?usage: build-guest-agent.sh OUTDIR [BASEDIR]}"
basedir="${2:-$here/../../.build/guest}"
rootfs_size_mib=64
mkdir -p "$outdir"
outdir="$(cd "$outdir" && pwd)"

log() { echo "build-guest-agent: $*" >&2; }
# shellcheck source=guest-lib.sh
source "$here/guest-lib.sh"

basedir="$("$here/build-guest.sh" "$basedir" | tail -1)"

exec 9>"$outdir/.lock"
flock 9

if [[ ! -x /usr/sbin/qemu-ga ]]; then
  log "installing qemu-guest-agent"
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends qemu-guest-agent >&2
fi

# The base initramfs already loads virtio and virtio_ring (virtio_pci needs them); virtio_console,
# which makes the agent's port /dev/vportNpM, needs nothing else, so the root filesystem's init
# loads it. The module must match the kernel build-guest.sh chose: the newest one with modules.
find_kernel
cmp -s "/boot/vmlinuz-$kernel_version" "$basedir/vmlinuz" \
  || { log "$basedir/vmlinuz is not /boot/vmlinuz-$kernel_version"; exit 1; }
console_module="$(grep -oE '^[^:]*/virtio_console\.ko[^:]*' "$moddir/modules.dep" || true)"
[[ -n "$console_module" ]] || { log "virtio_console is not a module of kernel $kernel_version"; exit 1; }
console_deps="$(grep -E "^${console_module//./\\.}:" "$moddir/modules.dep" | cut -d: -f2 | xargs -r -n1 basename | sed -E 's/\.ko.*//' | sort | tr '\n' ' ')"
[[ "$console_deps" == "virtio virtio_ring " || -z "$console_deps" ]] \
  || { log "virtio_console needs modules the initramfs does not load: $console_deps"; exit 1; }

# Every file the agent needs at run time: the binary, its loader and libraries (paths as ldd gives them).
agent_files=(/usr/sbin/qemu-ga)
while read -r library; do agent_files+=("$library"); done < <(
  ldd /usr/sbin/qemu-ga | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'
)

build_key="$(
  {
    cat "$basedir/build-key"
    echo "kernel $kernel_version"
    echo "qemu-ga $(dpkg-query -W -f='${Version}' qemu-guest-agent 2>/dev/null || /usr/sbin/qemu-ga --version | head -1)"
    for file in "${agent_files[@]}" "$moddir/$console_module"; do echo "$file $(stat -L -c '%s %Y' "$file")"; done
    echo "size $rootfs_size_mib"
    cat "$here/build-guest-agent.sh" "$here/guest-lib.sh" "$here/agent-init.sh" "$here/agent-shutdown.sh"
  } | sha256sum | cut -d' ' -f1
)"
if cache_valid "$outdir" "$build_key"; then
  log "cached guest-agent guest in $outdir"
  echo "$outdir"
  exit 0
fi
log "building guest-agent guest for kernel $kernel_version in $outdir"
rm -f "$outdir/build-key"

work="$(mktemp -d "$outdir/.work.XXXXXX")"
trap 'rm -rf "$work"' EXIT

rootdir="$work/rootfs"
busybox_rootfs "$rootdir" "$here/agent-init.sh"
mkdir -p "$rootdir"/{var,lib/modules}
ln -s ../run "$rootdir/var/run"
rm -f "$rootdir/sbin/shutdown"
# qemu-ga's guest-shutdown runs /sbin/shutdown, which busybox lacks.
install -m 0755 "$here/agent-shutdown.sh" "$rootdir/sbin/shutdown"
for file in "${agent_files[@]}"; do
  mkdir -p "$rootdir$(dirname "$file")"
  cp -L "$file" "$rootdir$file"
done
case "$console_module" in
  *.ko) cp "$moddir/$console_module" "$rootdir/lib/modules/virtio_console.ko" ;;
  *.ko.xz) xz -dc "$moddir/$console_module" >"$rootdir/lib/modules/virtio_console.ko" ;;
  *.ko.zst) zstd -qdc "$moddir/$console_module" >"$rootdir/lib/modules/virtio_console.ko" ;;
  *.ko.gz) gzip -dc "$moddir/$console_module" >"$rootdir/lib/modules/virtio_console.ko" ;;
  *) log "unknown module format: $console_module"; exit 1 ;;
esac
echo "rewind-agent-guest" >"$rootdir/etc/hostname"
make_rootfs_image "$rootdir" "$work/rootfs.img" "$rootfs_size_mib"

cp "$basedir/vmlinuz" "$basedir/initramfs.img" "$work/"
(cd "$work" && sha256sum rootfs.img >rootfs.img.sha256)
mv -f "$work/vmlinuz" "$work/initramfs.img" "$work/rootfs.img" "$work/rootfs.img.sha256" "$outdir/"
echo "$build_key" >"$outdir/build-key"
log "built guest-agent guest in $outdir"
echo "$outdir"
