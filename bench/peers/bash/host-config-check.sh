#!/usr/bin/env bash
# The floor for a no-op apply of the tutorial's host configuration (`make bench`): a hand-written check over ONE SSH
# connection of what VgpuIac's no-op apply checks (library checksum, both drop-ins and the services' loaded
# environment, config.toml, the profile override section, the vGPU type exists), compared here. Prints "no changes" and
# exits 0 when everything is in place, else lists what differs and exits 2. Changes nothing.
# usage: host-config-check.sh HOST PORT PRIVATE_KEY KNOWN_HOSTS LOCAL_LIBRARY
set -euo pipefail
host=$1 port=$2 key=$3 known=$4 library=$5
lib=/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so
want_sha=$(sha256sum -- "$library" | cut -d' ' -f1)
out=$(ssh -q -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$known" -i "$key" -p "$port" "root@$host" bash -s -- "$lib" <<'REMOTE'
lib=$1
printf 'lib %s\n' "$(sha256sum -- "$lib" 2>/dev/null | cut -d' ' -f1)"
for u in nvidia-vgpud nvidia-vgpu-mgr; do
  printf 'dropin %s %s\n' "$u" "$(base64 -w0 < "/etc/systemd/system/$u.service.d/vgpu_unlock.conf" 2>/dev/null)"
done
# both services' loaded environment in one systemctl call, as VgpuIac's probe does
{ systemctl show -p Id -p Environment nvidia-vgpud.service nvidia-vgpu-mgr.service 2>/dev/null; echo; } | {
  u='' e=''
  while IFS= read -r line; do
    case $line in
      Id=*) u=${line#Id=}; u=${u%.service};;
      Environment=*) e=${line#Environment=};;
      '') [ -n "$u" ] && printf 'env %s %s\n' "$u" "$e"; u='' e='';;
    esac
  done
}
printf 'config %s\n' "$(base64 -w0 < /etc/vgpu_unlock/config.toml 2>/dev/null)"
printf 'override %s\n' "$(base64 -w0 < /etc/vgpu_unlock/profile_override.toml 2>/dev/null)"
for d in /sys/bus/pci/devices/*/mdev_supported_types/nvidia-46; do [ -e "$d" ] && echo "type nvidia-46" && break; done
REMOTE
)
diffs=()
field() { awk -v k="$1" -v u="${2:-}" '$1 == k && (u == "" || $2 == u) { print (u == "" ? $2 : $3) }' <<< "$out"; }
[ "$(field lib)" = "$want_sha" ] || diffs+=("library checksum")
for u in nvidia-vgpud nvidia-vgpu-mgr; do
  d=$(field dropin "$u" | base64 -d 2>/dev/null)
  grep -qx '\[Service\]' <<< "$d" && grep -qx "Environment=LD_PRELOAD=$lib" <<< "$d" || diffs+=("$u drop-in")
  case "$(awk -v u="$u" '$1 == "env" && $2 == u { $1 = ""; $2 = ""; print }' <<< "$out")" in *"LD_PRELOAD=$lib"*) ;; *) diffs+=("$u environment") ;; esac
done
grep -qx 'unlock = true' <<< "$(field config | base64 -d 2>/dev/null)" || diffs+=("config.toml")
section=$(field override | base64 -d 2>/dev/null | awk '/^\[/ { on = ($0 == "[profile.nvidia-46]") ; next } on && NF && !/^#/ { gsub(/ /, ""); print }')
for kv in num_displays=1 display_width=1920 display_height=1080 cuda_enabled=1 frl_enabled=0; do
  grep -qx "$kv" <<< "$section" || { diffs+=("profile override nvidia-46: ${kv%%=*}"); }
done
grep -qiE '^framebuffer=(939524096|0x38000000|"896MiB")$' <<< "$section" || diffs+=("profile override nvidia-46: framebuffer")
grep -qx 'type nvidia-46' <<< "$out" || diffs+=("vGPU type nvidia-46 missing")
if [ ${#diffs[@]} -eq 0 ]; then echo "no changes"; else printf 'differs: %s\n' "${diffs[@]}"; exit 2; fi
