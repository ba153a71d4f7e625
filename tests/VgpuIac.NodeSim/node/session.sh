#!/bin/bash
# path: /usr/lib/nodesim/session.sh
# sshd ForceCommand: logs every SSH request to the command log (kind exec / sftp / shell), applies fault
# injection, then runs the original command with bash (stdin passed through) or the SFTP server.
. /usr/lib/nodesim/nodesim.sh
cmd=${SSH_ORIGINAL_COMMAND-}
case $cmd in
  /usr/lib/openssh/sftp-server|internal-sftp) kind=sftp;;
  '') kind=shell;;
  *) kind=exec;;
esac
start=$(( ${EPOCHREALTIME/./} / 1000 ))
export NODESIM_SESSION_PID=$$ NODESIM_EXEC_START_MS=$start NODESIM_EXEC_KIND=$kind NODESIM_EXEC_TEXT=$cmd
unset SSH_ORIGINAL_COMMAND
ftext=$cmd; [ "$kind" = sftp ] && ftext=sftp
if ! nodesim_apply_faults "$ftext"; then
  rc=$NODESIM_FAULT_EXIT
else
  case $kind in
    sftp) /usr/lib/openssh/sftp-server; rc=$?;;
    shell) bash -l; rc=$?;;
    *) bash -c "$cmd"; rc=$?;;
  esac
fi
[ "$kind" = sftp ] && cmd=sftp
nodesim_log "$start" $(( ${EPOCHREALTIME/./} / 1000 - start )) "$rc" "$kind" "$cmd"
exit "$rc"
