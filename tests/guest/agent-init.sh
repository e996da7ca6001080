#!/bin/sh
# /sbin/init of the guest-agent guest's root filesystem (build-guest-agent.sh). It prints, on the
# serial console:
#   "HEARTBEAT-AT-BOOT <n>" or "HEARTBEAT-ABSENT": the /heartbeat counter a previous boot left;
# and then, only with rewind.agent=on on the kernel command line:
#   loads virtio_console, finds the port named org.qemu.guest_agent.0, starts qemu-ga on it
#   ("AGENT-STARTED /dev/vportNpM"), and keeps writing an increasing counter to /heartbeat (so a
#   freeze has dirty data to flush and blocks a writer) until /sbin/shutdown (agent-shutdown.sh, run
#   by the agent's guest-shutdown) asks it to stop ("SHUTDOWN-REQUESTED <n>");
# and at last, as the base guest does: "ROOT-READONLY", "GUEST-DONE", power off.
# Failures print "AGENT-FAILED <why>" and power off, so a test fails fast.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=0755 tmpfs /run

echo "GUEST-BOOTED"
if [ -f /heartbeat ]; then
  echo "HEARTBEAT-AT-BOOT $(cat /heartbeat)"
else
  echo "HEARTBEAT-ABSENT"
fi

finish() {
  sync
  if mount -o remount,ro /; then
    echo "ROOT-READONLY"
  else
    echo "ROOT-REMOUNT-FAILED"
  fi
  sync
  echo "GUEST-DONE"
  poweroff -f
}

fail() {
  echo "AGENT-FAILED $*"
  finish
}

agent=off
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    rewind.agent=*) agent="${arg#rewind.agent=}" ;;
  esac
done
[ "$agent" = on ] || finish

insmod /lib/modules/virtio_console.ko || fail "insmod virtio_console"
# No udev here, so no /dev/virtio-ports/ symlinks: the port is found by its name in sysfs.
port=""
tries=0
while [ -z "$port" ]; do
  for dir in /sys/class/virtio-ports/*; do
    [ -f "$dir/name" ] && [ "$(cat "$dir/name")" = org.qemu.guest_agent.0 ] && port="/dev/${dir##*/}"
  done
  tries=$((tries + 1))
  [ "$tries" -gt 300 ] && fail "no virtio port named org.qemu.guest_agent.0 after 30 s"
  [ -n "$port" ] && [ -c "$port" ] || { port=""; sleep 0.1; }
done

# The state directory and pid file live on tmpfs: the agent must never write to a filesystem it froze.
mkdir -p /run/qemu-ga
qemu-ga -m virtio-serial -p "$port" -t /run/qemu-ga -f /run/qemu-ga.pid &
agent_pid=$!
echo "AGENT-STARTED $port"

beat=0
while [ ! -f /run/shutdown-requested ]; do
  beat=$((beat + 1))
  echo "$beat" >/heartbeat
  kill -0 "$agent_pid" 2>/dev/null || fail "qemu-ga exited"
  sleep 0.2
done
echo "SHUTDOWN-REQUESTED $beat"
kill "$agent_pid"
wait "$agent_pid"
finish
