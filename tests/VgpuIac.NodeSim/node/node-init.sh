#!/bin/bash
# node-init.sh SANDBOX : PID 1 of the node's fresh pid+mount+uts namespaces (started by SimulatedNode via
# `unshare --mount --pid --uts --fork --kill-child --propagation private`). Settings come from SANDBOX/init.env
# (NODESIM_PORT, NODESIM_HOSTNAME, NODESIM_HIDE = host directories to hide, one per line).
# The node's root is overlay(lower=/, upper=SANDBOX/fs/upper); every write from inside lands in upper.
set -u
SB=$1
exec >>"$SB/log/init.log" 2>&1 </dev/null
. "$SB/init.env"
M=$SB/merged; LOG=$SB/log
read -r HOSTPID _ < /proc/self/stat; echo "$HOSTPID" > "$SB/init.hostpid"   # host /proc is still mounted here: our host pid
mount -t overlay nodesim-root -o "lowerdir=/,upperdir=$SB/fs/upper,workdir=$SB/fs/work" "$M" || { echo "overlay mount failed"; exit 1; }
mount -t proc proc "$M/proc" || exit 1                         # this pid namespace only
mount --bind "$M/proc/sys" "$M/proc/sys" && mount -o remount,bind,ro "$M/proc/sys"   # no sysctl writes to the CI kernel
[ -e "$M/proc/sysrq-trigger" ] && mount --bind /dev/null "$M/proc/sysrq-trigger"
: > "$SB/cmdline"
mount --bind "$SB/cmdline" "$M/proc/cmdline" || echo "note: /proc/cmdline not faked"
mount --rbind /dev "$M/dev"
mount --bind "$SB/sys" "$M/sys"
while IFS= read -r d; do
  [ -n "$d" ] && [ -d "$M$d" ] && mount -t tmpfs -o size=1m,mode=755 nodesim-hide "$M$d"
done <<< "${NODESIM_HIDE:-}"
hostname "$NODESIM_HOSTNAME"

boot() {                                      # volatile dirs are fresh at each "boot"
  local t0 t1 n h k
  t0=${EPOCHREALTIME/./}
  mountpoint -q "$M/run" && umount -l "$M/run"
  mountpoint -q "$M/tmp" && umount -l "$M/tmp"
  mount -t tmpfs -o mode=755 nodesim-run "$M/run"; mkdir -m 755 "$M/run/sshd" "$M/run/nodesim" "$M/run/lock"
  mount -t tmpfs -o mode=1777 nodesim-tmp "$M/tmp"
  mkdir -p "$M/var/lib/nodesim/boot"
  # running kernel and kernel command line of this boot
  [ -s "$M/var/lib/nodesim/boot/kernel" ] || (. "$M/etc/nodesim/identity.env"; echo "$NODESIM_KERNEL" > "$M/var/lib/nodesim/boot/kernel")
  k=$(cat "$M/var/lib/nodesim/boot/kernel"); echo "$k" > "$M/run/nodesim/kernel"
  { printf 'BOOT_IMAGE=/boot/vmlinuz-%s ' "$k"; cat "$M/var/lib/nodesim/boot/cmdline" 2>/dev/null || echo "root=/dev/mapper/pve-root ro quiet"; } > "$SB/cmdline"
  cp "$SB/cmdline" "$M/run/nodesim/cmdline"
  n=$(cat "$M/var/lib/nodesim/boot_count" 2>/dev/null || echo 0); n=$((n+1)); echo "$n" > "$M/var/lib/nodesim/boot_count"
  for h in "$M"/etc/nodesim/boot.d/*; do
    [ -x "$h" ] || continue
    echo "$(date +%T.%N) boot $n: ${h##*/}" >> "$LOG/boot.log"
    chroot "$M" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
      NODESIM_INTERNAL=1 NODESIM_BOOT=1 "${h#"$M"}" >> "$LOG/boot.log" 2>&1 || echo "boot hook ${h##*/} failed: $?" >> "$LOG/boot.log"
  done
  t1=${EPOCHREALTIME/./}
  printf '%s\t%s\t0\tboot\tboot %s\n' "$((t0/1000))" "$(((t1-t0)/1000))" "$n" >> "$M/var/lib/nodesim/commands.log"
  if [ -e "$M/etc/nodesim/reboot_never" ]; then
    echo "$(date +%T.%N) reboot_never: sshd stays down until /etc/nodesim/reboot_never is removed" >> "$LOG/boot.log"
    # "back later": once the test removes the file (RebootNeverReturnsAsync(false)), sshd starts as after a slow boot
    ( while [ -e "$M/etc/nodesim/reboot_never" ]; do sleep 0.2; done
      echo "$(date +%T.%N) reboot_never removed: sshd starts" >> "$LOG/boot.log"
      exec chroot "$M" /usr/sbin/sshd -D -e -f /etc/nodesim/sshd_config >> "$LOG/sshd.log" 2>&1 ) & SSHD=$!
  else
    chroot "$M" /usr/sbin/sshd -D -e -f /etc/nodesim/sshd_config >> "$LOG/sshd.log" 2>&1 &
    SSHD=$!
  fi
}

REBOOT=0; STOP=0
trap 'REBOOT=1' USR1
trap 'STOP=1' TERM INT
boot
while :; do
  wait "$SSHD"
  if [ "$STOP" = 1 ]; then
    kill -KILL -1 2>/dev/null
    exit 0
  elif [ "$REBOOT" = 1 ]; then
    REBOOT=0
    echo "$(date +%T.%N) reboot requested" >> "$LOG/boot.log"
    kill -KILL -1 2>/dev/null                  # every process of this node (sshd, sessions, daemons)
    while wait -n 2>/dev/null; do :; done
    d=$(cat "$M/run/nodesim/reboot_delay" 2>/dev/null || echo 2)
    sleep "$d" & wait $!
    [ "$STOP" = 1 ] && exit 0
    boot
    echo "$(date +%T.%N) up again" >> "$LOG/boot.log"
  elif ! kill -0 "$SSHD" 2>/dev/null; then
    echo "sshd exited unexpectedly" >> "$LOG/boot.log"
    exit 1
  fi
done
