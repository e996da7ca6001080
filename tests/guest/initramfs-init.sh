#!/bin/busybox sh
# shellcheck shell=dash
# /init of the guest's initramfs: load the virtio and ext4 modules (in the dependency order
# build-guest.sh wrote to /modules/order), mount /dev/vda and hand over to its /sbin/init.
# Any failure powers the guest off at once with an INITRAMFS-FAILED line, so a test fails fast
# instead of waiting for its timeout.
export PATH=/bin

fail() {
  echo "INITRAMFS-FAILED: $*"
  busybox poweroff -f
}

busybox mount -t proc proc /proc
busybox mount -t sysfs sysfs /sys
busybox mount -t devtmpfs devtmpfs /dev

for module in $(busybox cat /modules/order); do
  busybox insmod "/modules/$module" || fail "insmod $module"
done

# The disk appears asynchronously once virtio_blk has probed the PCI device and read its partition
# table (over NBD, on a loaded TCG host: allow plenty).
tries=0
while [ ! -b /dev/vda ]; do
  tries=$((tries + 1))
  [ "$tries" -gt 300 ] && fail "no /dev/vda after 30 s"
  busybox sleep 0.1
done

busybox mount -t ext4 -o rw /dev/vda /newroot || fail "mount /dev/vda"
[ -x /newroot/sbin/init ] || fail "/sbin/init missing on /dev/vda"

busybox umount /proc /sys
busybox mount --move /dev /newroot/dev
exec busybox switch_root /newroot /sbin/init
