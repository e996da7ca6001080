#!/usr/bin/env bash
# Boots the test guest by hand, the way the system tests do (for debugging a failed boot).
#   tests/guest/boot-guest.sh DRIVE [MARKER]
# DRIVE is a raw image file or an NBD URI: nbd+unix:///VOLUME?socket=/path/nbd.sock, nbd://127.0.0.1:10809/VOLUME.
# With MARKER the guest writes it to /marker. The guest is built (or taken from the cache) in .build/guest.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
drive="${1:?usage: boot-guest.sh DRIVE [MARKER]}"
marker="${2:-}"
guest="$("$here/build-guest.sh" "$here/../../.build/guest" | tail -1)"
append="console=ttyS0 root=/dev/vda rw panic=-1 quiet${marker:+ rewind.write_marker=$marker}"
exec timeout 300 qemu-system-x86_64 -machine q35 -accel tcg -m 256 -nographic -no-reboot -nic none \
  -kernel "$guest/vmlinuz" -initrd "$guest/initramfs.img" -append "$append" \
  -drive "file=$drive,format=raw,if=virtio" </dev/null
