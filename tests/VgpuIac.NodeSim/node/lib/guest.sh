# shellcheck shell=bash
# guest.sh: the guest layer of simulated VMs (installed at /usr/lib/nodesim/guest.sh; sourced by the qm shim).
# A VM's guest is a chroot at /var/lib/nodesim/guests/<vmid>/root: its own /etc, /var, /root, /opt, /tmp (its "disk",
# kept across VM restarts), with the node's /usr bound read-only and /dev, /proc mounted while the VM runs.
# The node's shims (systemctl, update-initramfs, lsmod, ...) keep their state under /var/lib/nodesim and /run/nodesim,
# so inside the chroot they act on the guest's own state and log to the guest's own command log. Guest-only tools
# (nvidia-smi of a guest, the nvidia-gridd service, journalctl, reboot) are in /opt/guestsim/bin, first on PATH.
# A VM whose ostype is win* gets a Windows guest instead (guest-windows.sh): its C: drive is /c in the chroot, the
# agent's exec maps C:\... programs onto it and runs the Windows programs of node/guest-tools-windows (certutil.exe,
# powershell.exe subset, net.exe, icacls.exe, cmd.exe /c type|del, curl.exe, shutdown.exe; the driver installer adds
# nvidia-smi.exe and the NVDisplay.ContainerLocalSystem service), and get-osinfo answers "mswindows".
GUESTS=/var/lib/nodesim/guests
GUEST_PATH=/opt/guestsim/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

guest_root() { echo "$GUESTS/$1/root"; }

guest_os() { local t; t=$(sed -n 's/^ostype: //p' "/etc/pve/qemu-server/$1.conf" 2>/dev/null); case $t in win*) echo windows;; *) echo linux;; esac; }

guest_agent_on() { # as grep -E '^agent: (1|enabled=1)' over the whole file, without a process (every agent call asks)
  local l re='^agent: (1|enabled=1)'
  [ -r "/etc/pve/qemu-server/$1.conf" ] || return 1
  while IFS= read -r l || [ -n "$l" ]; do [[ $l =~ $re ]] && return 0; done < "/etc/pve/qemu-server/$1.conf"
  return 1
}

# The agent answers when the VM runs, has the agent enabled, and the guest is not down (/etc/nodesim/guest_agent_down_<vmid>).
guest_agent_up() { [ -e "/run/nodesim/qm/$1.running" ] && guest_agent_on "$1" && [ ! -e "/etc/nodesim/guest_agent_down_$1" ]; }

guest_prepare() { # vmid: first boot lays out the guest's disk
  local r; r=$(guest_root "$1")
  [ -d "$r/etc" ] && return 0
  if [ "$(guest_os "$1")" = windows ]; then guest_prepare_windows "$1"; return; fi
  mkdir -p "$r"/{etc/modprobe.d,etc/systemd/system,etc/nvidia,etc/nodesim,var/lib/nodesim,var/log/nodesim,root,opt/guestsim/bin,tmp,run,usr,dev,proc}
  chmod 1777 "$r/tmp"; chmod 700 "$r/root"
  ln -sfn usr/bin "$r/bin"; ln -sfn usr/sbin "$r/sbin"; ln -sfn usr/lib "$r/lib"; ln -sfn usr/lib64 "$r/lib64"
  local name; name=$(sed -n 's/^name: //p' "/etc/pve/qemu-server/$1.conf")
  echo "${name:-vm$1}" > "$r/etc/hostname"
  printf 'root:x:0:0:root:/root:/bin/bash\n' > "$r/etc/passwd"; printf 'root:x:0:\n' > "$r/etc/group"
  printf 'PRETTY_NAME="Ubuntu 22.04.4 LTS"\nNAME="Ubuntu"\nVERSION_ID="22.04"\nID=ubuntu\n' > "$r/etc/os-release"
  cat > "$r/etc/nodesim/identity.env" <<ID
NODESIM_HOSTNAME=${name:-vm$1}
NODESIM_KERNEL=5.15.0-91-generic
NODESIM_KERNELS=5.15.0-91-generic
NODESIM_HEADERS=linux-headers-5.15.0-91-generic
NODESIM_GUEST=1
NODESIM_VMID=$1
ID
  cp -a /usr/lib/nodesim/guest/bin/. "$r/opt/guestsim/bin/"
  # a fresh Ubuntu guest with an NVIDIA vGPU loads nouveau until it is blacklisted
  echo nouveau > "$r/var/lib/nodesim/guest-boot-modules"
  printf '{\n   "id" : "ubuntu",\n   "kernel-release" : "5.15.0-91-generic",\n   "kernel-version" : "#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023",\n   "machine" : "x86_64",\n   "name" : "Ubuntu",\n   "pretty-name" : "Ubuntu 22.04.4 LTS",\n   "version" : "22.04.4 LTS (Jammy Jellyfish)",\n   "version-id" : "22.04"\n}\n' > "$r/etc/nodesim/osinfo.json"
}

guest_prepare_windows() { # vmid: a fresh Windows installation with the QEMU guest agent (from the virtio ISO)
  local r name t w
  r=$(guest_root "$1"); name=$(sed -n 's/^name: //p' "/etc/pve/qemu-server/$1.conf"); t=$(sed -n 's/^ostype: //p' "/etc/pve/qemu-server/$1.conf")
  mkdir -p "$r"/{etc/nodesim,var/lib/nodesim/guest,var/lib/nodesim/winsvc,root,opt/guestsim/bin,tmp,run,usr,dev,proc}
  mkdir -p "$r/c/Windows/System32" "$r/c/Windows/Temp" "$r/c/Program Files" "$r/c/ProgramData" "$r/c/Users/Public/Documents"
  chmod 1777 "$r/tmp"; chmod 700 "$r/root"
  ln -sfn usr/bin "$r/bin"; ln -sfn usr/sbin "$r/sbin"; ln -sfn usr/lib "$r/lib"; ln -sfn usr/lib64 "$r/lib64"
  name=${name:-vm$1}; echo "${name^^}" > "$r/etc/hostname"
  printf 'NODESIM_HOSTNAME=%s\nNODESIM_GUEST=1\nNODESIM_GUEST_OS=windows\nNODESIM_VMID=%s\n' "${name^^}" "$1" > "$r/etc/nodesim/identity.env"
  for w in certutil.exe cmd.exe powershell.exe net.exe icacls.exe curl.exe shutdown.exe; do
    cp /usr/lib/nodesim/guest/windows/$w "$r/c/Windows/System32/$w"; done
  cp /usr/lib/nodesim/guest/windows/windows-boot /usr/lib/nodesim/guest/windows/windows-halt "$r/opt/guestsim/bin/"
  case $t in win10|win8|win7) w='10|19045|Windows 10 Pro|client';; w2k*|win2*) w='2022|20348|Windows Server 2022 Standard|server';; *) w='11|22631|Windows 11 Pro|client';; esac
  IFS='|' read -r ver build pretty variant <<< "$w"
  printf '{\n   "id" : "mswindows",\n   "kernel-release" : "%s",\n   "kernel-version" : "10.0",\n   "machine" : "x86_64",\n   "name" : "Microsoft Windows",\n   "pretty-name" : "%s",\n   "variant" : "%s",\n   "variant-id" : "%s",\n   "version" : "Microsoft Windows %s",\n   "version-id" : "%s"\n}\n' \
    "$build" "$pretty" "$variant" "$variant" "$ver" "$ver" > "$r/etc/nodesim/osinfo.json"
}

guest_boot() { # vmid: the VM starts; mounts for the chroot, then the guest's own boot
  local id=$1 r; r=$(guest_root "$id")
  guest_prepare "$id"
  mountpoint -q "$r/usr" || { mount --bind /usr "$r/usr" && mount -o remount,bind,ro "$r/usr"; }
  mountpoint -q "$r/dev" || mount --rbind /dev "$r/dev"
  mountpoint -q "$r/proc" || mount -t proc proc "$r/proc"
  guest_nics "$id" > "$r/etc/nodesim/nics"
  if [ -d "$r/c" ]; then guest_run "$id" /opt/guestsim/bin/windows-boot >/dev/null 2>&1 || true
  else guest_run "$id" /opt/guestsim/bin/guest-boot >/dev/null 2>&1 || true; fi
  guest_sshd_start "$id" || echo "VM $id: the guest's sshd did not start" >&2
}

guest_halt() { # vmid
  local r; r=$(guest_root "$1")
  guest_sshd_stop "$1"
  if [ -d "$r/c" ]; then guest_run "$1" /opt/guestsim/bin/windows-halt >/dev/null 2>&1 || true
  else guest_run "$1" /opt/guestsim/bin/guest-halt >/dev/null 2>&1 || true; fi
  for m in proc dev usr; do mountpoint -q "$r/$m" && umount -l "$r/$m"; done; true
}

guest_run() { # vmid cmd... : runs a command inside the guest
  local id=$1 os=linux; shift
  [ -d "$GUESTS/$id/root/c" ] && os=windows
  chroot "$GUESTS/$id/root" /usr/bin/env -i PATH="$GUEST_PATH" HOME=/root LANG=C.UTF-8 TERM=dumb NODESIM_GUEST=1 NODESIM_GUEST_OS=$os NODESIM_VMID="$id" "$@"
}

# guest_windows_program vmid name : the guest path of a Windows program as CreateProcess finds it (C:\... as given,
# else C:\Windows\System32\name[.exe], case-insensitive); empty when there is none
guest_windows_program() {
  local r p f b want
  r=$(guest_root "$1"); p=$2
  if [[ $p =~ ^([A-Za-z]):[\\/](.*)$ ]]; then
    p="/${BASH_REMATCH[1],,}/${BASH_REMATCH[2]//\\//}"
    [ -f "$r$p" ] && { echo "$p"; return; }
    want=${p##*/}; want=${want,,}
    for f in "$r${p%/*}"/*; do b=${f##*/}; [ "${b,,}" = "$want" ] && { echo "${f#"$r"}"; return; }; done
    return
  fi
  [[ $p == */* || $p == *\\* ]] && return
  for f in "$r/c/Windows/System32"/*; do b=${f##*/}; b=${b,,}
    if [ "$b" = "${p,,}" ] || [ "$b" = "${p,,}.exe" ]; then echo "${f#"$r"}"; return; fi; done
}

# JSON string of stdin (bash only; escapes backslash, quote and control characters)
guest_json_string() { # stdin -> a JSON string (NUL bytes dropped, as a shell variable drops them)
  local s="" part c out="" i
  while IFS= read -r -d '' part; do s+=$part; done; s+=$part
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}; s=${s//$'\r'/\\r}
  # a character at a time only when other control characters are left (nvidia-smi -q's 5 KB are plain text)
  if [[ $s == *[[:cntrl:]]* ]]; then
    for ((i = 0; i < ${#s}; i++)); do c=${s:i:1}
      if [[ $c < $' ' ]]; then out+=$(printf '\\u%04x' "'$c"); else out+=$c; fi
    done
  else out=$s; fi
  printf '"%s"' "$out"
}

guest_exec_json() { # vmid pass-stdin cmd... : prints what `qm guest exec` prints (JSON)
  local id=$1 pass=$2 out err rc prog; shift 2
  if [ -d "$GUESTS/$id/root/c" ]; then
    prog=$(guest_windows_program "$id" "$1")
    if [ -z "$prog" ]; then
      echo "Agent error: Guest agent command failed, error was 'CreateProcessW() failed: The system cannot find the file specified. (error: 00000002)'" >&2; return 255; fi
    if [ "$(head -c 2 "$(guest_root "$id")$prog")" != '#!' ]; then
      echo "Agent error: Guest agent command failed, error was 'CreateProcessW() failed: %1 is not a valid Win32 application. (error: 000000c1)'" >&2; return 255; fi
    shift; set -- /bin/bash "$prog" "$@"
  fi
  out=/run/nodesim/qm/exec.$$.out; err=/run/nodesim/qm/exec.$$.err   # this qm's own files: no mktemp process
  if [ "$pass" = 1 ]; then guest_run "$id" "$@" > "$out" 2> "$err"; else guest_run "$id" "$@" < /dev/null > "$out" 2> "$err"; fi
  rc=$?
  if [ $rc = 126 ] || [ $rc = 127 ]; then
    rm -f "$out" "$err"
    echo "Agent error: Guest agent command failed, error was 'Failed to execute child process “$1” (No such file or directory)'" >&2; return 255
  fi
  printf '{\n   "exitcode" : %d,\n   "exited" : 1' "$rc"
  [ -s "$err" ] && printf ',\n   "err-data" : %s' "$(guest_json_string < "$err")"
  [ -s "$out" ] && printf ',\n   "out-data" : %s' "$(guest_json_string < "$out")"
  printf '\n}\n'
  rm -f "$out" "$err"
}

guest_osinfo_json() { cat "$(guest_root "$1")/etc/nodesim/osinfo.json"; }

# guest_nics vmid: the VM's network interfaces as its guest sees them, one a line NAME|MAC|IPV4/PREFIX|IPV6/PREFIX: the
# loopback, then net0's NIC (ens18; "Ethernet" in Windows) with 10.10.<vmid/250%250>.<vmid%250+2>/24 and the IPv6
# link-local address the kernel makes from the MAC (EUI-64; none without a MAC). guest_boot writes them into the guest
# (its /etc/nodesim/nics, as the guest's kernel found them at boot, like the vGPU in vgpu.env); the agent's
# network-get-interfaces (guest_network_json) and the guest's `ip` (guest-tools/ip) both print that file, so they agree.
guest_nics() {
  local mac lo=lo eth=ens18 v6="" a b c d e f; mac=$(sed -n 's/^net0: virtio=\([^,]*\).*/\1/p' "/etc/pve/qemu-server/$1.conf")
  [ -d "$(guest_root "$1")/c" ] && { lo="Loopback Pseudo-Interface 1"; eth=Ethernet; }
  mac=${mac,,}
  if IFS=: read -r a b c d e f <<< "$mac" && [ -n "$f" ]; then
    a=$(( (0x$a ^ 2) << 8 | 0x$b ))
    printf -v v6 'fe80::%s%x:%x:%x/64' "$([ "$a" = 0 ] || printf '%x:' "$a")" $(( 0x$c << 8 | 0xff )) $(( 0xfe << 8 | 0x$d )) $(( 0x$e << 8 | 0x$f ))
  fi
  printf '%s|00:00:00:00:00:00|127.0.0.1/8|::1/128\n' "$lo"
  printf '%s|%s|10.10.%d.%d/24|%s\n' "$eth" "$mac" $(( $1 / 250 % 250 )) $(( $1 % 250 + 2 )) "$v6"
}

guest_network_json() { # vmid: what `qm agent VMID network-get-interfaces` prints, from the guest's interfaces (guest_nics)
  local name mac v4 v6 ips sep=""
  printf '['
  while IFS='|' read -r name mac v4 v6; do
    printf -v ips '{ "ip-address" : "%s", "ip-address-type" : "ipv4", "prefix" : %s }' "${v4%/*}" "${v4#*/}"
    [ -n "$v6" ] && printf -v ips '%s, { "ip-address" : "%s", "ip-address-type" : "ipv6", "prefix" : %s }' "$ips" "${v6%/*}" "${v6#*/}"
    printf '%s\n   {\n      "hardware-address" : "%s",\n      "ip-addresses" : [ %s ],\n      "name" : "%s"\n   }' "$sep" "$mac" "$ips" "$name"
    sep=,
  done < "$(guest_root "$1")/etc/nodesim/nics"
  printf '\n]\n'
}

# --- SSH into started Linux guests ---------------------------------------------------------------------------------
# Each started Linux VM gets its own sshd on 127.0.0.1 (state in /run/nodesim/qm/<vmid>.ssh/), started by guest_boot and
# stopped by guest_halt, so it is down while the guest reboots. Its host key is the guest's own
# (<root>/etc/ssh/ssh_host_ed25519_key, made at the first boot) unless a test prepared one in /etc/nodesim/guest-ssh/<vmid>/
# (ssh_host_ed25519_key[.pub], port). Authorised keys: the guest's /root/.ssh/authorized_keys and the node's. Its
# ForceCommand (guest-session.sh) runs the command inside the guest as `qm guest exec` does. Windows guests: agent only.
guest_ssh_dir() { echo "/run/nodesim/qm/$1.ssh"; }

guest_free_port() { # a TCP port nobody listens on (random, checked with ss), from 20000 up to the kernel's ephemeral
  # range: outgoing connections take their local ports there, and one could hold the port while the guest reboots
  # (LoopbackPorts.cs hands the tests' own servers 10000-19999)
  local p i lo=20000 n eph
  read -r eph _ < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || eph=32768
  n=$(( eph - lo )); [ "$n" -ge 1000 ] || n=40000
  for i in $(seq 1 50); do
    p=$(( lo + (RANDOM * 32768 + RANDOM) % n ))
    [ -z "$(ss -Hltn "sport = :$p" 2>/dev/null)" ] && { echo "$p"; return 0; }
  done
  return 1
}

guest_sshd_start() { # vmid
  local id=$1 d r pre port key try
  r=$(guest_root "$id"); d=$(guest_ssh_dir "$id"); pre=/etc/nodesim/guest-ssh/$id
  [ -d "$r/c" ] && return 0
  mkdir -p "$d" "$r/etc/ssh"
  key=$r/etc/ssh/ssh_host_ed25519_key
  if [ -s "$pre/ssh_host_ed25519_key" ]; then cp -f "$pre/ssh_host_ed25519_key" "$key"; cp -f "$pre/ssh_host_ed25519_key.pub" "$key.pub"
  elif [ ! -s "$key" ]; then rm -f "$key" "$key.pub"; ssh-keygen -q -t ed25519 -N '' -C "root@vm$id" -f "$key" </dev/null >/dev/null 2>&1; fi
  chmod 600 "$key"
  for try in 1 2 3 4 5; do
    if [ -s "$pre/port" ]; then port=$(cat "$pre/port"); elif [ "$try" = 1 ] && [ -s "$GUESTS/$id/ssh_port" ]; then port=$(cat "$GUESTS/$id/ssh_port"); else port=$(guest_free_port) || return 1; fi
    sed -e "s|@PORT@|$port|" -e "s|@HOST_KEY@|$key|" -e "s|@PID_FILE@|$d/sshd.pid|" \
        -e "s|@AUTHORIZED_KEYS@|$r/root/.ssh/authorized_keys /root/.ssh/authorized_keys|" \
        -e "s|@FORCE_COMMAND@|/usr/lib/nodesim/guest-session.sh $id|" /usr/lib/nodesim/sshd_config.template > "$d/sshd_config"
    rm -f "$d/sshd.pid"
    if setsid /usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log" </dev/null >/dev/null 2>&1; then
      echo "$port" > "$GUESTS/$id/ssh_port"
      printf 'GUEST_SSH_HOST=127.0.0.1\nGUEST_SSH_PORT=%s\nGUEST_SSH_HOST_KEY_SHA256=%s\n' "$port" "$(ssh-keygen -lf "$key.pub" | cut -d' ' -f2)" > "$d/endpoint.env"
      return 0
    fi
    [ -s "$pre/port" ] && return 1
  done
  return 1
}

guest_sshd_stop() { # vmid: the listener and every connection it holds
  local d p; d=$(guest_ssh_dir "$1")
  rm -f "$d/endpoint.env"
  [ -s "$d/sshd.pid" ] || return 0
  p=$(cat "$d/sshd.pid"); rm -f "$d/sshd.pid"
  kill -STOP "$p" 2>/dev/null; pkill -KILL -P "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; true
}
