# shellcheck shell=bash
# nodesim.sh: sourced by session.sh, the shims and the boot hooks (installed at /usr/lib/nodesim/nodesim.sh).
# Logging to the command log, fault injection, identity. Keep it fork-free: it runs for every shim call.
NODESIM_LOG=/var/lib/nodesim/commands.log
[ -r /etc/nodesim/identity.env ] && . /etc/nodesim/identity.env

# Times in ms are $(( ${EPOCHREALTIME/./} / 1000 )), written where they are needed: a $(function) would be a fork.

# nodesim_escape TEXT -> sets NODESIM_ESCAPED (backslash, newline, tab, CR escaped)
nodesim_escape() {
  local s=$1
  s=${s//\\/\\\\}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}; s=${s//$'\r'/\\r}
  NODESIM_ESCAPED=$s
}

# nodesim_log START_MS DURATION_MS EXIT KIND TEXT
nodesim_log() {
  nodesim_escape "$5"
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$NODESIM_ESCAPED" 2>/dev/null >> "$NODESIM_LOG"
}

# Kills the SSH connection this process belongs to (the sshd processes above the session), so the client
# sees the connection drop. Outside an SSH session (ExecAsync, boot hooks) it only exits 255.
nodesim_drop_connection() {
  local p=${NODESIM_SESSION_PID:-} pids=() stat ppid comm
  if [ -n "$p" ] && [ -r "/proc/$p/stat" ]; then
    read -r stat < "/proc/$p/stat"; stat=${stat##*) }; read -r _ ppid _ <<< "$stat"
    while [ "$ppid" -gt 1 ] && [ -r "/proc/$ppid/comm" ]; do
      read -r comm < "/proc/$ppid/comm"
      [ "$comm" = sshd ] || break
      read -r stat < "/proc/$ppid/stat"; stat=${stat##*) }; local up; read -r _ up _ <<< "$stat"
      [ "$up" -le 1 ] && break          # the listening sshd (child of the node's init) stays
      pids+=("$ppid"); ppid=$up
    done
    [ -n "${NODESIM_EXEC_START_MS:-}" ] && nodesim_log "$NODESIM_EXEC_START_MS" $(( ${EPOCHREALTIME/./} / 1000 - NODESIM_EXEC_START_MS )) 255 "${NODESIM_EXEC_KIND:-exec}" "${NODESIM_EXEC_TEXT:-}"
    [ ${#pids[@]} -gt 0 ] && kill -KILL "${pids[@]}" 2>/dev/null
    kill -KILL -- "-$p" 2>/dev/null
  fi
  exit 255
}

# nodesim_apply_faults TEXT : applies the rules in /etc/nodesim/faults/* whose MATCH (extended regex) matches TEXT.
# delay: sleeps; drop: drops the connection (never returns); fail: prints STDERR, sets NODESIM_FAULT_EXIT, returns 1.
# A rule fires at most once per SSH session (session.sh and the shims it runs share NODESIM_FAULTS_FIRED).
nodesim_apply_faults() {
  [ -n "${NODESIM_INTERNAL:-}" ] && return 0
  local f id MATCH ACTION EXIT STDERR DELAY ONCE
  for f in /etc/nodesim/faults/*; do
    [ -f "$f" ] || continue
    id=${f##*/}
    case $id in *.fired.*) continue;; esac
    case " ${NODESIM_FAULTS_FIRED:-} " in *" $id "*) continue;; esac
    MATCH='' ACTION='' EXIT=1 STDERR='' DELAY=0 ONCE=0
    . "$f" 2>/dev/null || continue
    [ -n "$MATCH" ] && [[ $1 =~ $MATCH ]] || continue
    if [ "$ONCE" = 1 ]; then mv "$f" "$f.fired.$$" 2>/dev/null || continue; rm -f "$f.fired.$$"; fi
    export NODESIM_FAULTS_FIRED="${NODESIM_FAULTS_FIRED:-} $id"
    case $ACTION in
      delay) sleep "$DELAY";;
      hold) mkdir -p /etc/nodesim/holds; : > "/etc/nodesim/holds/$id.held"
            while [ ! -e "/etc/nodesim/holds/$id.released" ]; do sleep 0.1; done;;
      drop) [ "$DELAY" != 0 ] && sleep "$DELAY"; nodesim_drop_connection;;
      fail) [ -n "$STDERR" ] && printf '%s\n' "$STDERR" >&2; NODESIM_FAULT_EXIT=$EXIT; return 1;;
    esac
  done
  return 0
}

# True when /etc/nodesim/disk_full exists (shims that write files should then fail with ENOSPC's message).
nodesim_disk_full() { [ -e /etc/nodesim/disk_full ]; }

# In a shim: `. /usr/lib/nodesim/nodesim.sh; nodesim_shim "$@"` -- logs the call at exit as shim-r (or shim-m
# after nodesim_mutated) with its duration and exit code, and applies fault rules to "NAME ARGS...".
# Shims must not `exec` after this (the EXIT trap writes the log line).
nodesim_shim() {
  NODESIM_SHIM_KIND=shim-r
  NODESIM_SHIM_START=$(( ${EPOCHREALTIME/./} / 1000 ))
  local IFS=' '
  NODESIM_SHIM_TEXT="${0##*/}${*:+ $*}"
  if [ -z "${NODESIM_INTERNAL:-}" ]; then
    trap '_nodesim_shim_exit $?' EXIT
    if ! nodesim_apply_faults "$NODESIM_SHIM_TEXT"; then exit "$NODESIM_FAULT_EXIT"; fi
  fi
}
nodesim_mutated() { NODESIM_SHIM_KIND=shim-m; }
_nodesim_shim_exit() {
  nodesim_log "$NODESIM_SHIM_START" $(( ${EPOCHREALTIME/./} / 1000 - NODESIM_SHIM_START )) "$1" "$NODESIM_SHIM_KIND" "$NODESIM_SHIM_TEXT"
}

# nodesim_kmsg TEXT... : appends kernel messages for the dmesg shim (volatile: /run/nodesim/dmesg).
nodesim_kmsg() {
  local up line
  read -r up _ < /proc/uptime
  for line in "$@"; do printf '[%12.6f] %s\n' "$up" "$line"; done >> /run/nodesim/dmesg
}

# nodesim_going_down: for reboot-like shims. Writes the current shim's log line and (when called synchronously from
# an SSH exec) the exec's line with exit 255 now, asks PID 1 to reboot, and waits to be killed like on a real host.
nodesim_going_down() {
  if [ -n "${NODESIM_SHIM_TEXT:-}" ] && [ -z "${NODESIM_INTERNAL:-}" ]; then _nodesim_shim_exit 0; trap - EXIT; fi
  if [ -z "${NODESIM_INTERNAL:-}" ] && [ -n "${NODESIM_SESSION_PID:-}" ] && [ -n "${NODESIM_EXEC_START_MS:-}" ] \
     && [ -e "/proc/$NODESIM_SESSION_PID" ]; then
    nodesim_log "$NODESIM_EXEC_START_MS" $(( ${EPOCHREALTIME/./} / 1000 - NODESIM_EXEC_START_MS )) 255 "${NODESIM_EXEC_KIND:-exec}" "${NODESIM_EXEC_TEXT:-}"
    # session.sh must not log it a second time if it survives (it does not: PID 1 kills every process)
  fi
  /usr/lib/nodesim/request-reboot.sh
  sleep 60
  exit 0
}
