#!/bin/bash
# guest-session.sh VMID: ForceCommand of a simulated VM's own sshd (guest.sh, guest_sshd_start). Runs the SSH command
# inside that VM's guest exactly as `qm guest exec` runs a program (guest_run: the chroot, the guest's PATH and
# environment, stdin passed through), with bash -c as a real guest's login shell would; SFTP runs the guest's
# sftp-server. The request is logged (kind exec/sftp) in the guest's own command log, not the node's. When the
# command rebooted the guest (its boot_count changed), the VM's sshd goes down for a moment and comes back, as a real
# guest's sshd does during a reboot: the SSH connection drops.
. /usr/lib/nodesim/nodesim.sh
. /usr/lib/nodesim/guest.sh
id=$1; cmd=${SSH_ORIGINAL_COMMAND-}; unset SSH_ORIGINAL_COMMAND
r=$(guest_root "$id")
NODESIM_LOG=$r/var/lib/nodesim/commands.log
[ -e "/run/nodesim/qm/$id.running" ] || { echo "VM $id is not running" >&2; exit 255; }
boots=$(cat "$r/var/lib/nodesim/guest/boot_count" 2>/dev/null)
start=$(( ${EPOCHREALTIME/./} / 1000 ))
case $cmd in
  /usr/lib/openssh/sftp-server|internal-sftp) kind=sftp; guest_run "$id" /usr/lib/openssh/sftp-server; rc=$?; cmd=sftp;;
  '') kind=shell; guest_run "$id" /bin/bash; rc=$?;;
  *) kind=exec; guest_run "$id" /bin/bash -c "$cmd"; rc=$?;;
esac
nodesim_log "$start" $(( ${EPOCHREALTIME/./} / 1000 - start )) "$rc" "$kind" "$cmd"
if [ "$(cat "$r/var/lib/nodesim/guest/boot_count" 2>/dev/null)" != "$boots" ]; then
  setsid bash -c '. /usr/lib/nodesim/nodesim.sh; . /usr/lib/nodesim/guest.sh; sleep 0.3; guest_sshd_stop "$1"; sleep 1; [ -e "/run/nodesim/qm/$1.running" ] && guest_sshd_start "$1"' \
    guest-reboot "$id" </dev/null >/dev/null 2>&1 &
fi
exit "$rc"
