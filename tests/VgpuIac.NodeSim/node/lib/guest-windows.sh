# shellcheck shell=bash
# guest-windows.sh: helpers of the simulated Windows guest (installed at /usr/lib/nodesim/guest-windows.sh; the guest
# sees it through its read-only /usr). Sourced by the Windows programs (node/guest-tools-windows/*.exe) and by the
# guest's boot. The guest's C: drive is /c inside the guest chroot; simulator state stays under /var/lib/nodesim and
# /run/nodesim of the guest, as for Linux guests.
WIN_SYSTEM32=/c/Windows/System32
WIN_SVC=/var/lib/nodesim/winsvc            # installed services: <name>.env (SVC_DISPLAY=, START=auto|demand, BINARY=)
WIN_SVC_RUN=/run/nodesim/winsvc            # running services: <name>.running
WIN_TOKEN_DIR='/c/Program Files/NVIDIA Corporation/vGPU Licensing/ClientConfigToken'
WIN_LICENSING_LOG=/c/Users/Public/Documents/NvidiaLogging/Log.NVDisplay.Container.exe.log

# win_path 'C:\Program Files\x' -> '/c/Program Files/x' (drive letters lower-cased; '/' accepted as a separator too).
# Like Windows, names match case-insensitively: each existing component is found whatever its case.
win_path() {
  local p=$1 out comp f b found comps
  if [[ $p =~ ^([A-Za-z]):[\\/]?(.*)$ ]]; then out="/${BASH_REMATCH[1],,}"; p=${BASH_REMATCH[2]}
  else printf '%s' "${p//\\//}"; return; fi
  IFS=/ read -ra comps <<< "${p//\\//}"
  for comp in "${comps[@]}"; do
    [ -n "$comp" ] || continue
    if [ -e "$out/$comp" ] || [ ! -d "$out" ]; then out="$out/$comp"; continue; fi
    found=""
    for f in "$out"/*; do b=${f##*/}; [ "${b,,}" = "${comp,,}" ] && { found=$b; break; }; done
    out="$out/${found:-$comp}"
  done
  printf '%s' "$out"
}

# Windows programs end their lines with CRLF
win_crlf() { sed 's/\r*$/\r/'; }

win_service_display() { local SVC_DISPLAY=$1; [ -r "$WIN_SVC/$1.env" ] && . "$WIN_SVC/$1.env"; printf "%s" "$SVC_DISPLAY"; }

# win_service_start NAME: runs the service's program (synchronously: the simulated service does its work at start)
win_service_start() {
  local SVC_DISPLAY="" START="" BINARY=""
  [ -r "$WIN_SVC/$1.env" ] || return 2
  . "$WIN_SVC/$1.env"
  mkdir -p "$WIN_SVC_RUN"; touch "$WIN_SVC_RUN/$1.running"
  [ -n "$BINARY" ] && [ -x "$BINARY" ] && NODESIM_GUEST_OS=windows "$BINARY" >/dev/null 2>&1
  return 0
}

win_service_stop() { rm -f "$WIN_SVC_RUN/$1.running"; }
