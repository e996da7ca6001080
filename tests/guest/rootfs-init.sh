#!/bin/sh
# /sbin/init of the guest's root filesystem. One boot does one job and powers off:
#   - reports whether /marker exists: "MARKER-PRESENT <contents>" or "MARKER-ABSENT";
#   - with rewind.write_marker=VALUE on the kernel command line, writes VALUE to /marker
#     ("MARKER-WRITTEN VALUE");
#   - remounts / read-only, so the journal is checkpointed and the image is clean for e2fsck
#     ("ROOT-READONLY"), syncs, prints "GUEST-DONE" and powers off.
# The test reads these lines from the serial console (ttyS0).
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys

echo "GUEST-BOOTED"
if [ -f /marker ]; then
  echo "MARKER-PRESENT $(cat /marker)"
else
  echo "MARKER-ABSENT"
fi

for arg in $(cat /proc/cmdline); do
  case "$arg" in
    rewind.write_marker=*)
      value="${arg#rewind.write_marker=}"
      printf '%s' "$value" >/marker
      sync
      echo "MARKER-WRITTEN $value"
      ;;
  esac
done

sync
if mount -o remount,ro /; then
  echo "ROOT-READONLY"
else
  echo "ROOT-REMOUNT-FAILED"
fi
sync
echo "GUEST-DONE"
poweroff -f
