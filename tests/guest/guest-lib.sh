# Shared by build-guest.sh and build-guest-agent.sh (sourced; both put this file in their build keys).

# Sets kernel_version and moddir: the newest /boot/vmlinuz-* whose modules are installed.
find_kernel() {
  kernel_version=""
  local image version
  for image in $(ls -1 /boot/vmlinuz-* | sort -V -r); do
    version="${image#/boot/vmlinuz-}"
    if [[ -f "/lib/modules/$version/modules.dep" ]]; then kernel_version="$version"; break; fi
  done
  [[ -n "$kernel_version" ]] || { log "no /boot/vmlinuz-* with /lib/modules/<version>/modules.dep"; exit 1; }
  moddir="/lib/modules/$kernel_version"
}

# True when OUTDIR holds a guest built with KEY. The image's checksum is part of the check: booting the
# cached image itself by mistake (instead of a copy) changes it, and the tests must never start from a
# disk a previous boot wrote.
cache_valid() {
  local outdir="$1" key="$2"
  [[ -f "$outdir/build-key" && "$(cat "$outdir/build-key")" == "$key" ]] || return 1
  [[ -f "$outdir/vmlinuz" && -f "$outdir/initramfs.img" && -f "$outdir/rootfs.img" ]] || return 1
  (cd "$outdir" && sha256sum --quiet --check rootfs.img.sha256 >/dev/null 2>&1)
}

# Fills ROOTDIR with a busybox system whose /sbin/init is INIT: one symlink per applet, at the place
# busybox itself says it belongs (/bin/sh, /sbin/poweroff...).
busybox_rootfs() {
  local rootdir="$1" init="$2" applet
  mkdir -p "$rootdir"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,root,etc,mnt}
  chmod 1777 "$rootdir/tmp"
  cp /bin/busybox "$rootdir/bin/busybox"
  while read -r applet; do
    [[ "$applet" == bin/busybox ]] && continue
    [[ -e "$rootdir/$applet" ]] || ln -s /bin/busybox "$rootdir/$applet"
  done < <(/bin/busybox --list-full)
  rm -f "$rootdir/sbin/init"
  install -m 0755 "$init" "$rootdir/sbin/init"
}

# Makes an ext4 image of ROOTDIR at IMAGE (SIZE MiB) and checks it.
make_rootfs_image() {
  local rootdir="$1" image="$2" size_mib="$3"
  truncate -s "${size_mib}M" "$image"
  mkfs.ext4 -q -F -L rewind-root -m 0 -d "$rootdir" "$image" >&2
  e2fsck -fn "$image" >&2
}
