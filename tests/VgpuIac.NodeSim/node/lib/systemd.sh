# shellcheck shell=bash
# systemd.sh: the unit model behind the systemctl shim and the 50-systemd boot hook (installed at
# /usr/lib/nodesim/systemd.sh). Unit configuration is loaded on first use into /run/nodesim/systemd/loaded/<unit>
# and kept until daemon-reload; runtime state lives in /run/nodesim/systemd/state/<unit> (gone at reboot);
# enablement is the symlinks in /etc/systemd/system/*.wants/ (persistent).
SD_RT=/run/nodesim/systemd
SD_LOADED=$SD_RT/loaded
SD_STATE=$SD_RT/state
SD_JOURNAL=/run/nodesim/journal
SD_DIRS=(/etc/systemd/system /run/systemd/system /lib/systemd/system /usr/lib/systemd/system)
mkdir -p "$SD_LOADED" "$SD_STATE" "$SD_JOURNAL" 2>/dev/null

sd_norm() { case $1 in *.service|*.target|*.socket|*.timer|*.mount|*.path|*.slice|*.scope|*.device|*.swap) echo "$1";; *) echo "$1.service";; esac; }

# sd_fragment UNIT -> path of the unit file (template foo@.service for foo@x.service); rc 1 when none
sd_fragment() {
  local u=$1 d t=""
  case $u in *@?*.*) t="${u%%@*}@.${u##*.}";; esac
  for d in "${SD_DIRS[@]}"; do
    if [ -e "$d/$u" ] || [ -L "$d/$u" ]; then echo "$d/$u"; return 0; fi
  done
  if [ -n "$t" ]; then
    for d in "${SD_DIRS[@]}"; do [ -e "$d/$t" ] && { echo "$d/$t"; return 0; }; done
  fi
  return 1
}

# sd_dropins UNIT -> drop-in files in load order (by file name; /etc overrides same-named files in lower dirs)
sd_dropins() {
  local u=$1 d f n t=""; local -A seen=()
  case $u in *@?*.*) t="${u%%@*}@.${u##*.}";; esac
  local files=()
  for d in "${SD_DIRS[@]}"; do
    for f in "$d/$u.d"/*.conf ${t:+"$d/$t.d"/*.conf}; do
      [ -f "$f" ] || continue
      n=${f##*/}; [ -n "${seen[$n]:-}" ] && continue; seen[$n]=1; files+=("$n"$'\t'"$f")
    done
  done
  [ ${#files[@]} -gt 0 ] && printf '%s\n' "${files[@]}" | sort -t$'\t' -k1,1 | cut -f2
}

# sd_words TEXT -> one word per line, honouring "double" and 'single' quotes (systemd's Environment= syntax)
sd_words() {
  local s=$1 w="" q="" c i have=0
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    if [ -n "$q" ]; then
      if [ "$c" = "$q" ]; then q=""; elif [ "$c" = '\' ] && [ "$q" = '"' ]; then i=$((i + 1)); w+=${s:i:1}; else w+=$c; fi
    elif [ "$c" = '"' ] || [ "$c" = "'" ]; then q=$c; have=1
    elif [ "$c" = ' ' ] || [ "$c" = $'\t' ]; then [ $have = 1 ] && printf '%s\n' "$w"; w=""; have=0
    else w+=$c; have=1
    fi
  done
  [ $have = 1 ] && printf '%s\n' "$w"
}

sd_q() { printf '%q' "$1"; }

# sd_parse UNIT FRAGMENT DROPINS... -> writes the loaded snapshot (sourceable) to stdout
sd_parse() {
  local u=$1 frag=$2; shift 2
  local f line sec k v desc="" type="" exec="" pidfile="" remain=no wanted="" inst="" env=() w
  case $u in *@?*.*) inst=${u#*@}; inst=${inst%.*};; esac
  for f in "$frag" "$@"; do
    [ -f "$f" ] || continue
    sec=""
    while IFS= read -r line || [ -n "$line" ]; do
      line=${line%$'\r'}
      case $line in ''|'#'*|';'*) continue;; '['*']') sec=${line#[}; sec=${sec%]}; continue;; esac
      k=${line%%=*}; v=${line#*=}; k=${k%"${k##*[![:space:]]}"}; v=${v#"${v%%[![:space:]]*}"}
      v=${v//%i/$inst}; v=${v//%I/$inst}; v=${v//%n/$u}
      case $sec/$k in
        Unit/Description) desc=$v;;
        Service/Type) type=$v;;
        Service/ExecStart) exec=$v;;
        Service/PIDFile) pidfile=$v;;
        Service/RemainAfterExit) remain=$v;;
        Service/Environment)
          if [ -z "$v" ]; then env=(); else while IFS= read -r w; do env+=("$w"); done < <(sd_words "$v"); fi;;
        Install/WantedBy|Install/RequiredBy) if [ -z "$v" ]; then wanted=""; else wanted="${wanted:+$wanted }$v"; fi;;
      esac
    done < "$f"
  done
  [ -z "$type" ] && type=simple
  echo "SD_FRAGMENT=$(sd_q "$frag")"
  echo "SD_DROPINS=($(for f in "$@"; do printf '%q ' "$f"; done))"
  echo "SD_DESC=$(sd_q "${desc:-$u}")"
  echo "SD_TYPE=$(sd_q "$type")"
  echo "SD_EXEC=$(sd_q "$exec")"
  echo "SD_PIDFILE=$(sd_q "$pidfile")"
  echo "SD_REMAIN=$(sd_q "$remain")"
  echo "SD_WANTEDBY=$(sd_q "$wanted")"
  echo "SD_ENV=($(for w in "${env[@]}"; do printf '%q ' "$w"; done))"
  echo "SD_STAMP=$(sd_q "$(sd_stamp "$frag" "$@")")"
}

sd_stamp() { [ $# -gt 0 ] && stat -L -c '%n:%Y' "$@" 2>/dev/null | tr '\n' ' '; }

# sd_load UNIT: sources the loaded snapshot (SD_LOAD=loaded|not-found|masked); loads it first if needed.
sd_load() {
  local u=$1 frag dropins=()
  SD_FRAGMENT="" SD_DROPINS=() SD_DESC=$u SD_TYPE="" SD_EXEC="" SD_PIDFILE="" SD_REMAIN=no SD_WANTEDBY="" SD_ENV=() SD_STAMP=""
  if [ ! -f "$SD_LOADED/$u" ]; then
    if ! frag=$(sd_fragment "$u"); then SD_LOAD=not-found; return 1; fi
    if [ "$(readlink "$frag")" = /dev/null ]; then SD_LOAD=masked; SD_FRAGMENT=$frag; return 0; fi
    mapfile -t dropins < <(sd_dropins "$u")
    sd_parse "$u" "$frag" "${dropins[@]}" > "$SD_LOADED/$u.tmp" && mv "$SD_LOADED/$u.tmp" "$SD_LOADED/$u"
  fi
  . "$SD_LOADED/$u"
  SD_LOAD=loaded
  if [ -L "$SD_FRAGMENT" ] && [ "$(readlink "$SD_FRAGMENT")" = /dev/null ]; then SD_LOAD=masked; fi
  return 0
}

# True when the unit's files changed on disk since it was loaded (systemd's NeedDaemonReload).
sd_need_reload() {
  local u=$1 frag dropins=()
  [ -f "$SD_LOADED/$u" ] || return 1
  frag=$(sd_fragment "$u") || return 0
  mapfile -t dropins < <(sd_dropins "$u")
  [ "$(sd_stamp "$frag" "${dropins[@]}")" != "$SD_STAMP" ]
}

# runtime state: SD_ACTIVE SD_SUB SD_RESULT SD_SINCE (epoch s) SD_MAINPID SD_STATUS (e.g. 0/SUCCESS) SD_EXITED (1 if main exited)
sd_state() {
  SD_ACTIVE=inactive SD_SUB=dead SD_RESULT=success SD_SINCE="" SD_MAINPID=0 SD_STATUS="" SD_EXITED=0
  [ -f "$SD_STATE/$1" ] && . "$SD_STATE/$1"
  return 0
}
sd_set_state() { # unit active sub result status exited
  local pid=$((RANDOM % 20000 + 1000))
  printf 'SD_ACTIVE=%s\nSD_SUB=%s\nSD_RESULT=%s\nSD_SINCE=%s\nSD_MAINPID=%s\nSD_STATUS=%q\nSD_EXITED=%s\n' \
    "$2" "$3" "$4" "${EPOCHREALTIME%.*}" "$pid" "$5" "$6" > "$SD_STATE/$1"
}

sd_journal() { # unit ident line... (months stored in C; the journalctl shim prints them in the reader's locale)
  local u=$1 ident=$2 ts hn; shift 2; LC_ALL=C printf -v ts '%(%b %d %H:%M:%S)T' -1; read -r hn < /proc/sys/kernel/hostname
  local l; for l in "$@"; do printf '%s %s %s: %s\n' "$ts" "$hn" "$ident" "$l"; done >> "$SD_JOURNAL/$u"
}

sd_exec_bin() { local e=$1; e=${e#[-@+!:]}; e=${e#[-@+!:]}; e=${e#"${e%%[![:space:]]*}"}; echo "${e%% *}"; }

sd_is_nodesim_script() { head -c 2 "$1" 2>/dev/null | grep -q '^#!' && head -n 10 "$1" 2>/dev/null | grep -q '/usr/lib/nodesim/'; }

# sd_start UNIT -> rc 0 started (or exited cleanly), 1 failed, 5 not found, 6 masked
sd_start() {
  local u=$1 bin rc=0 args out
  sd_load "$u" || return 5
  [ "$SD_LOAD" = masked ] && return 6
  sd_journal "$u" "systemd[1]" "Starting $SD_DESC..."
  if [ -z "$SD_EXEC" ]; then
    if [ "$SD_TYPE" = oneshot ] && [ "$SD_REMAIN" != yes ]; then sd_set_state "$u" inactive dead success "" 1; else sd_set_state "$u" active exited success "" 1; fi
    sd_journal "$u" "systemd[1]" "Finished $SD_DESC."
    return 0
  fi
  bin=$(sd_exec_bin "$SD_EXEC")
  if [ ! -x "$bin" ]; then
    sd_set_state "$u" failed failed exit-code 203/EXEC 1
    sd_journal "$u" "systemd[1]" "$u: Failed to locate executable $bin: No such file or directory" \
      "$u: Failed at step EXEC spawning $bin: No such file or directory" "$u: Main process exited, code=exited, status=203/EXEC" \
      "$u: Failed with result 'exit-code'." "Failed to start $SD_DESC."
    return 1
  fi
  if sd_is_nodesim_script "$bin"; then
    args=${SD_EXEC#*"$bin"}
    out=$( (for e in "${SD_ENV[@]}"; do export "${e?}"; done; export NODESIM_INTERNAL=1 NODESIM_UNIT=$u
            # shellcheck disable=SC2086
            timeout 30 "$bin" $args) 2>&1 ); rc=$?
    local l ident="${bin##*/}[$((RANDOM % 20000 + 1000))]"
    [ -n "$out" ] && while IFS= read -r l; do sd_journal "$u" "$ident" "${l#"${bin##*/}: "}"; done <<< "$out"
  fi
  if [ "$rc" != 0 ]; then
    sd_set_state "$u" failed failed exit-code "$rc/FAILURE" 1
    sd_journal "$u" "systemd[1]" "$u: Control process exited, code=exited, status=$rc/FAILURE" "$u: Failed with result 'exit-code'." "Failed to start $SD_DESC."
    return 1
  fi
  if [ "$SD_TYPE" = oneshot ]; then
    if [ "$SD_REMAIN" = yes ]; then sd_set_state "$u" active exited success 0/SUCCESS 1; else sd_set_state "$u" inactive dead success 0/SUCCESS 1; fi
    sd_journal "$u" "systemd[1]" "Finished $SD_DESC."
  elif [ "$SD_TYPE" = forking ] && [ -n "$SD_PIDFILE" ] && [ ! -e "$SD_PIDFILE" ] && sd_is_nodesim_script "$bin"; then
    sd_set_state "$u" inactive dead success 0/SUCCESS 1
    sd_journal "$u" "systemd[1]" "Started $SD_DESC." "$u: Deactivated successfully."
  else
    sd_set_state "$u" active running success "" 0
    sd_journal "$u" "systemd[1]" "Started $SD_DESC."
  fi
  return 0
}

sd_run_start_hook() {
  local h=/usr/lib/nodesim/hooks/on-unit-start.d
  for f in "$h/$1" "$h/${1%.service}"; do [ -x "$f" ] && { NODESIM_INTERNAL=1 NODESIM_UNIT=$1 "$f" >/dev/null 2>&1; break; }; done
  true
}

sd_stop() {
  local u=$1
  sd_state "$u"
  if [ "$SD_ACTIVE" = active ] || [ "$SD_ACTIVE" = failed ]; then
    sd_load "$u"
    sd_journal "$u" "systemd[1]" "Stopping $SD_DESC..." "$u: Deactivated successfully." "Stopped $SD_DESC."
    sd_set_state "$u" inactive dead success "${SD_STATUS:-0/SUCCESS}" 1
  fi
}

# enablement
sd_is_enabled() { # -> enabled|disabled|static|masked|alias|indirect ; rc 1 when not found
  local u=$1 f frag
  frag=$(sd_fragment "$u") || return 1
  [ "$(readlink "$frag")" = /dev/null ] && { echo masked; return 0; }
  for f in /etc/systemd/system/*.wants/"$u" /etc/systemd/system/*.requires/"$u"; do [ -L "$f" ] && { echo enabled; return 0; }; done
  sd_load "$u" >/dev/null 2>&1
  if [ -z "$SD_WANTEDBY" ]; then
    case $u in *@.*) echo indirect;; *) echo static;; esac
  else echo disabled; fi
}

sd_enable() { # unit -> prints systemctl's messages on stderr; rc 1 when no unit file
  local u=$1 frag t wanted
  frag=$(sd_fragment "$u") || { echo "Failed to enable unit: Unit file $u does not exist." >&2; return 1; }
  wanted=$(frag=$frag; mapfile -t d < <(sd_dropins "$u"); sd_parse "$u" "$frag" "${d[@]}" | sed -n 's/^SD_WANTEDBY=//p')
  eval "wanted=$wanted"
  if [ -z "$wanted" ]; then
    echo "The unit files have no installation config (WantedBy=, RequiredBy=, Also=," >&2
    echo "Alias= settings in the [Install] section, and DefaultInstance= for template" >&2
    echo "units). This means they are not meant to be enabled or disabled using systemctl." >&2
    return 0
  fi
  for t in $wanted; do
    [ -L "/etc/systemd/system/$t.wants/$u" ] && continue
    mkdir -p "/etc/systemd/system/$t.wants"
    ln -s "$frag" "/etc/systemd/system/$t.wants/$u"
    echo "Created symlink /etc/systemd/system/$t.wants/$u → $frag." >&2
    SD_CHANGED=1
  done
  return 0
}

sd_disable() {
  local u=$1 f
  sd_fragment "$u" >/dev/null || { echo "Failed to disable unit: Unit file $u does not exist." >&2; return 1; }
  for f in /etc/systemd/system/*.wants/"$u" /etc/systemd/system/*.requires/"$u"; do
    [ -L "$f" ] || continue
    rm -f "$f"; echo "Removed \"$f\"." >&2; SD_CHANGED=1
  done
  return 0
}

sd_fmt_time() { [ -n "$1" ] && printf '%(%a %Y-%m-%d %H:%M:%S %Z)T' "$1"; }
sd_ago() {
  local d=$(( ${EPOCHREALTIME%.*} - $1 ))
  if [ $d -lt 60 ]; then echo "${d}s ago"; elif [ $d -lt 3600 ]; then echo "$((d / 60))min $((d % 60))s ago"; else echo "$((d / 3600))h $((d % 3600 / 60))min ago"; fi
}

# Environment= as `systemctl show` prints it: assignments separated by spaces, ones with whitespace in quotes
sd_env_show() {
  local out="" e
  for e in "${SD_ENV[@]}"; do
    if [[ $e == *[[:space:]]* ]]; then out+="${out:+ }\"$e\""; else out+="${out:+ }$e"; fi
  done
  printf '%s' "$out"
}
