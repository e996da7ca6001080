#!/bin/sh
# /sbin/shutdown of the guest-agent guest. qemu-ga's guest-shutdown runs "/sbin/shutdown -P +0 ...";
# busybox has no shutdown, so this asks agent-init.sh to stop, which powers off cleanly.
: >/run/shutdown-requested
