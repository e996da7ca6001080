#!/usr/bin/env bash
# Builds the tiny Linux guest the system tests boot from a Rewind volume:
#   OUTDIR/vmlinuz        the Debian kernel (linux-image-amd64)
#   OUTDIR/initramfs.img  busybox-static + the virtio/ext4 modules; /init mounts /dev/vda and switch_roots
#   OUTDIR/rootfs.img     a raw ext4 image (busybox + /sbin/init = rootfs-init.sh), and its rootfs.img.sha256
# Everything comes from Debian packages, installed with apt-get when missing (run as root on Debian).
# The output is cached: OUTDIR/build-key names the inputs it was built from, and a rerun whose inputs
# are unchanged does nothing. The last line printed on stdout is OUTDIR.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
outdir="${1:?usage: build-guest.sh OUTDIR}"
rootfs_size_mib=64
mkdir -p "$outdir"
outdir="$(cd "$outdir" && pwd)"

log() { echo "build-guest: $*" >&2; }
# shellcheck source=guest-lib.sh
source "$here/guest-lib.sh"

# Concurrent test runs share one cache directory: one builds, the others wait and reuse.
exec 9>"$outdir/.lock"
flock 9

# ---- packages ---------------------------------------------------------------------------------
# command -> Debian package that provides it
declare -A needed=(
  [qemu-system-x86_64]=qemu-system-x86
  [mkfs.ext4]=e2fsprogs
  [cpio]=cpio
)
missing=()
for cmd in "${!needed[@]}"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("${needed[$cmd]}"); done
# The initramfs has no libc, so its busybox must be the static one.
static_busybox_present() {
  [[ -x /bin/busybox ]] || return 1
  local list linked
  list="$(/bin/busybox --list 2>/dev/null || true)"
  linked="$(ldd /bin/busybox 2>&1 || true)"
  [[ $'\n'"$list"$'\n' == *$'\n'switch_root$'\n'* && "$linked" == *"not a dynamic"* ]]
}
static_busybox_present || missing+=(busybox-static)
ls /boot/vmlinuz-* >/dev/null 2>&1 || missing+=(linux-image-amd64)
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  sudo_cmd=""; [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
fi

# ---- kernel -----------------------------------------------------------------------------------
# The newest installed kernel whose modules are present.
find_kernel

# ---- cache ------------------------------------------------------------------------------------
build_key="$(
  {
    echo "kernel $kernel_version $(stat -c '%s %Y' "/boot/vmlinuz-$kernel_version")"
    echo "busybox $(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null || /bin/busybox | head -1)"
    echo "e2fsprogs $(mkfs.ext4 -V 2>&1 | head -1)"
    echo "size $rootfs_size_mib"
    cat "$here/build-guest.sh" "$here/guest-lib.sh" "$here/initramfs-init.sh" "$here/rootfs-init.sh"
  } | sha256sum | cut -d' ' -f1
)"
if cache_valid "$outdir" "$build_key"; then
  log "cached guest for kernel $kernel_version in $outdir"
  echo "$outdir"
  exit 0
fi
log "building guest for kernel $kernel_version in $outdir"
rm -f "$outdir/build-key"

work="$(mktemp -d "$outdir/.work.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# ---- initramfs --------------------------------------------------------------------------------
# Modules needed to reach an ext4 root on a virtio disk. crc32c_generic is ext4's and jbd2's
# soft dependency (checksummed metadata asks the crypto API for "crc32c"), which modules.dep does
# not list; the generic one is used because TCG's default CPU lacks SSE4.2 for crc32c_intel.
wanted_modules=(crc32c_generic virtio_pci virtio_blk ext4)

declare -A module_path=()   # module name (with _) -> path relative to $moddir
while IFS=: read -r path _; do
  name="$(basename "$path")"; name="${name%%.ko*}"; name="${name//-/_}"
  module_path[$name]="$path"
done <"$moddir/modules.dep"
declare -A builtin=()
if [[ -f "$moddir/modules.builtin" ]]; then
  while read -r path; do
    name="$(basename "$path")"; name="${name%%.ko*}"; builtin[${name//-/_}]=1
  done <"$moddir/modules.builtin"
fi

declare -A visited=()
load_order=()
# Depth-first over modules.dep: every dependency is loaded before the module that needs it.
add_module() {
  local name="${1//-/_}"
  [[ -n "${visited[$name]:-}" ]] && return 0
  visited[$name]=1
  if [[ -n "${builtin[$name]:-}" ]]; then return 0; fi
  local path="${module_path[$name]:-}"
  [[ -n "$path" ]] || { log "module $name is neither in modules.dep nor built in"; exit 1; }
  local deps dep
  deps="$(grep -E "^${path//./\\.}:" "$moddir/modules.dep" | cut -d: -f2)"
  for dep in $deps; do
    dep="$(basename "$dep")"; add_module "${dep%%.ko*}"
  done
  load_order+=("$path")
}
for m in "${wanted_modules[@]}"; do add_module "$m"; done

initramfs="$work/initramfs"
mkdir -p "$initramfs"/{bin,dev,proc,sys,newroot,modules}
cp /bin/busybox "$initramfs/bin/busybox"
ln -s busybox "$initramfs/bin/sh"
: >"$initramfs/modules/order"
for path in "${load_order[@]}"; do
  file="$(basename "$path")"; file="${file%%.ko*}.ko"
  # busybox insmod takes plain .ko files; newer Debian kernels ship them compressed.
  case "$path" in
    *.ko) cp "$moddir/$path" "$initramfs/modules/$file" ;;
    *.ko.xz) xz -dc "$moddir/$path" >"$initramfs/modules/$file" ;;
    *.ko.zst) zstd -qdc "$moddir/$path" >"$initramfs/modules/$file" ;;
    *.ko.gz) gzip -dc "$moddir/$path" >"$initramfs/modules/$file" ;;
    *) log "unknown module format: $path"; exit 1 ;;
  esac
  echo "$file" >>"$initramfs/modules/order"
done
install -m 0755 "$here/initramfs-init.sh" "$initramfs/init"
(cd "$initramfs" && find . -print0 | sort -z | cpio --null -o -H newc --quiet --owner=0:0) \
  | gzip -1 >"$work/initramfs.img"
log "initramfs modules: $(tr '\n' ' ' <"$initramfs/modules/order")"

# ---- root filesystem --------------------------------------------------------------------------
rootdir="$work/rootfs"
busybox_rootfs "$rootdir" "$here/rootfs-init.sh"
echo "rewind-guest" >"$rootdir/etc/hostname"
make_rootfs_image "$rootdir" "$work/rootfs.img" "$rootfs_size_mib"

cp "/boot/vmlinuz-$kernel_version" "$work/vmlinuz"
(cd "$work" && sha256sum rootfs.img >rootfs.img.sha256)
mv -f "$work/vmlinuz" "$work/initramfs.img" "$work/rootfs.img" "$work/rootfs.img.sha256" "$outdir/"
echo "$build_key" >"$outdir/build-key"
log "built guest in $outdir"
echo "$outdir"
