#!/bin/bash
# driver.sh -- sourced by the host-driver shims (nvidia-smi, dkms, apt-get, dpkg-query, modprobe, lspci, ...).
# Installed as /usr/lib/nodesim/driver.sh. State contract: see CONVENTIONS.md ("Host driver stack").
DRV_STATE=/var/lib/nodesim/driver          # persistent: installed_version, pending_reboot, kernel_range, flavor, dkms
DRV_RUN=/run/nodesim/driver                # volatile: sriov/<BDF>
DRV_MODULES=/run/nodesim/modules           # loaded modules, one empty file each
DRV_DPKG=/var/lib/nodesim/dpkg             # packages installed by apt-get: file per package, content = version
DRV_LIB=/usr/lib/nodesim
DRV_SYS=${NODESIM_SYS:-/sys}

[ -r "$DRV_LIB/nodesim.sh" ] && . "$DRV_LIB/nodesim.sh"
DRV_NODESIM_LOG=0; declare -F nodesim_log >/dev/null && DRV_NODESIM_LOG=1
DRV_NODESIM_FAULTS=0; declare -F nodesim_apply_faults >/dev/null && DRV_NODESIM_FAULTS=1
DRV_NODESIM_KMSG=0; declare -F nodesim_kmsg >/dev/null && DRV_NODESIM_KMSG=1

# ---------- command log + fault injection: nodesim.sh's functions (CONVENTIONS.md) ----------
drv_shim_end() {
  if [ $DRV_NODESIM_LOG = 1 ]; then nodesim_log "$DRV_T0" $(( ${EPOCHREALTIME/./} / 1000 - DRV_T0 )) "$1" "$DRV_KIND" "$DRV_TEXT"
  else local t=${DRV_TEXT//\\/\\\\}; t=${t//$'\n'/\\n}; t=${t//$'\t'/\\t}
    printf '%s\t%s\t%s\t%s\t%s\n' "$DRV_T0" $(( ${EPOCHREALTIME/./} / 1000 - DRV_T0 )) "$1" "$DRV_KIND" "$t" >> /var/lib/nodesim/commands.log 2>/dev/null; fi
}
# drv_shim_begin <shim-r|shim-m> <name> [args...]: logs the call at exit (shim-m once drv_mutating ran) and applies
# the fault rules to "name args..."; like nodesim_shim, but the logged name can differ from $0 (installer, apt).
drv_shim_begin() {
  DRV_KIND=$1; shift; local IFS=' '; DRV_TEXT="$*"; DRV_T0=$(( ${EPOCHREALTIME/./} / 1000 ))
  [ -n "${NODESIM_INTERNAL:-}" ] && return 0
  trap 'drv_shim_end $?' EXIT
  if [ $DRV_NODESIM_FAULTS = 1 ]; then nodesim_apply_faults "$DRV_TEXT" || exit "${NODESIM_FAULT_EXIT:-1}"; fi
}
drv_mutating() { DRV_KIND=shim-m; }
drv_kmsg() { [ $DRV_NODESIM_KMSG = 1 ] && [ -d /run/nodesim ] && nodesim_kmsg "$@"; true; }
# other shims called from a shim neither log nor apply faults
drv_internal() { NODESIM_INTERNAL=1 "$@"; }

# ---------- identity ----------
drv_identity() {
  [ -r /etc/nodesim/identity.env ] && . /etc/nodesim/identity.env
  [ -s /run/nodesim/kernel ] && NODESIM_KERNEL=$(< /run/nodesim/kernel)     # running kernel of this boot
  : "${NODESIM_KERNEL:=6.5.13-6-pve}" "${NODESIM_KERNELS:=$NODESIM_KERNEL}" "${NODESIM_HEADERS:=}" "${NODESIM_PVE_VERSION:=8.2.4}"
  : "${NODESIM_SECUREBOOT:=0}" "${NODESIM_HOSTNAME:=$(hostname)}"
}

# ---------- versions ----------
drv_ver_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$1" ]; }
drv_kernel_mm() { echo "$1" | cut -d. -f1,2; }     # 6.5.13-6-pve -> 6.5
drv_kernel_in_range() { # kernel min max
  local mm; mm=$(drv_kernel_mm "$1"); drv_ver_le "$2" "$mm" && drv_ver_le "$mm" "$3"
}
drv_installed_version() { cat "$DRV_STATE/installed_version" 2>/dev/null; }
drv_branch() { local v=${1:-$(drv_installed_version)}; echo "${v%%.*}"; }

# ---------- packages (node view only: identity + apt-get records, never the CI host's dpkg db) ----------
drv_kernel_pkg() { # kernel -> REPLY: its package's name (proxmox-kernel-K-signed from PVE 8 on, pve-kernel-K before)
  if [ "${NODESIM_PVE_VERSION%%.*}" -ge 8 ] 2>/dev/null; then REPLY=proxmox-kernel-$1-signed; else REPLY=pve-kernel-$1; fi
}
drv_identity_pkgs() { # name<TAB>version (fork-free: dpkg-query runs it on every node probe)
  local k v
  for k in $NODESIM_KERNELS; do drv_kernel_pkg "$k"; printf '%s\t%s\n' "$REPLY" "${k%-pve}"; done
  for k in $NODESIM_HEADERS; do v=$k; [[ $v =~ ^(proxmox|pve)-headers-(.*)$ ]] && v=${BASH_REMATCH[2]}; printf '%s\t%s\n' "$k" "${v%-pve}"; done
  printf '%s\t%s\n' pve-manager "$NODESIM_PVE_VERSION" proxmox-ve "$NODESIM_PVE_VERSION"
}
drv_pkg_version() { # prints version, rc 1 when not installed
  [ -e "$DRV_DPKG/.removed/$1" ] && return 1
  if [ -f "$DRV_DPKG/$1" ]; then cat "$DRV_DPKG/$1"; return 0; fi
  local v; v=$(drv_identity_pkgs | awk -F'\t' -v p="$1" '$1==p{print $2; exit}')
  [ -n "$v" ] && { echo "$v"; return 0; }
  return 1
}
drv_pkg_installed() { drv_pkg_version "$1" >/dev/null; }
drv_all_pkgs() { # name<TAB>version of everything installed, sorted (the identity's version wins over a record's)
  local -A seen=(); local n v f out=""
  while IFS=$'\t' read -r n v; do [ -n "${seen[$n]+1}" ] && continue; seen[$n]=1; [ -e "$DRV_DPKG/.removed/$n" ] || out+="$n"$'\t'"$v"$'\n'; done <<< "$(drv_identity_pkgs)"
  for f in "$DRV_DPKG"/*; do [ -f "$f" ] || continue
    n=${f##*/}; [ -n "${seen[$n]+1}" ] && continue; seen[$n]=1; v=; read -r v < "$f"
    [ -e "$DRV_DPKG/.removed/$n" ] || out+="$n"$'\t'"$v"$'\n'
  done
  printf '%s' "$out" | sort
}
drv_installed_kernels() { # identity kernels + apt-installed kernels - removed ones
  drv_all_pkgs | sed -nE 's/^(proxmox-kernel-(.*-pve)-signed|pve-kernel-(.*-pve))\t.*/\2\3/p' | sort -V -u
}
drv_default_boot_kernel() { # what grub boots: the pinned kernel, else the newest installed one
  local pin; pin=$(cat /etc/kernel/proxmox-boot-pin 2>/dev/null)
  if [ -n "$pin" ] && drv_installed_kernels | grep -qxF "$pin"; then echo "$pin"; else drv_installed_kernels | tail -n1; fi
}
drv_headers_present() { # kernel
  [ -d "/lib/modules/$1/build" ] || drv_pkg_installed "proxmox-headers-$1" || drv_pkg_installed "pve-headers-$1"
}

# ---------- modules ----------
drv_mod_loaded() { [ -e "$DRV_MODULES/$1" ]; }
drv_mod_mark() { mkdir -p "$DRV_MODULES"; : > "$DRV_MODULES/$1"; }
drv_mod_unmark() { rm -f "$DRV_MODULES/$1"; }
drv_nvidia_module_file() { # kernel -> prints the nvidia.ko path that exists for this kernel
  local k=$1 p
  for p in "/lib/modules/$k/updates/dkms/nvidia.ko" "/lib/modules/$k/kernel/drivers/video/nvidia.ko"; do [ -e "$p" ] && { echo "$p"; return 0; }; done
  return 1
}
drv_nouveau_blacklisted() {
  grep -qsE '^[[:space:]]*blacklist[[:space:]]+nouveau([[:space:]]|$)' /etc/modprobe.d/*.conf /usr/lib/modprobe.d/*.conf
}

# ---------- GPUs ----------
drv_gpu_files() { ls /etc/nodesim/gpus/*.env 2>/dev/null | sort; }
drv_load_gpu() { # env file -> sets BDF MODEL VENDOR DEVICE ... NAME ARCH VGPU
  BDF= MODEL= VENDOR=10de DEVICE= SUBSYS_VENDOR= SUBSYS_DEVICE= CLASS=0x030200 NAME= ARCH= VGPU=none FB_MIB= POWER_CAP= LSPCI_NAME= SRIOV_TOTALVFS= SPOOF_AS=
  . "$1"
  [ -n "$BDF" ] || BDF=$(basename "$1" .env)
  VENDOR=${VENDOR#0x}; DEVICE=${DEVICE#0x}; SUBSYS_VENDOR=${SUBSYS_VENDOR#0x}; SUBSYS_DEVICE=${SUBSYS_DEVICE#0x}
  GPU_TYPES=$DRV_LIB/gpus/$MODEL.types
  [ -f "$GPU_TYPES" ] || [ -z "$SPOOF_AS" ] || GPU_TYPES=$DRV_LIB/gpus/$SPOOF_AS.types
  if [ -z "$FB_MIB" ]; then
    FB_MIB=$(awk -F'\t' '!/^#/ && NF>=3 {if ($3+0>m) m=$3+0} END{print m+0}' "$GPU_TYPES" 2>/dev/null)
    [ "${FB_MIB:-0}" -gt 0 ] 2>/dev/null || FB_MIB=8192
  fi
  [ -n "$POWER_CAP" ] || POWER_CAP=$(drv_power_cap "$DEVICE")
  [ -n "$LSPCI_NAME" ] || LSPCI_NAME=$(drv_lspci_name "$DEVICE")
}
drv_power_cap() { case $1 in 1b38|15f8) echo 250;; 1bb3) echo 75;; 1eb8) echo 70;; 25b6) echo 62;; 2236) echo 150;; 2235|2230) echo 300;; 1b80) echo 180;; 1c03|2184) echo 120;; 1e07|1e04) echo 260;; *) echo 250;; esac; }
drv_lspci_name() {
  case $1 in
    1b38) echo 'GP102GL [Tesla P40]';; 1bb3) echo 'GP104GL [Tesla P4]';; 15f8) echo 'GP100GL [Tesla P100 PCIe 16GB]';;
    1eb8) echo 'TU104GL [Tesla T4]';; 1db4) echo 'GV100GL [Tesla V100 PCIe 16GB]';; 13bd) echo 'GM107GL [Tesla M10]';;
    1b80) echo 'GP104 [GeForce GTX 1080]';; 1c03) echo 'GP106 [GeForce GTX 1060 6GB]';; 2184) echo 'TU116 [GeForce GTX 1660]';;
    1e07) echo 'TU102 [GeForce RTX 2080 Ti Rev. A]';; 1e04) echo 'TU102 [GeForce RTX 2080 Ti]';;
    2236) echo 'GA102GL [A10]';; 25b6) echo 'GA107GL [A2 / A16]';; 2230) echo 'GA102GL [RTX A6000]';; 2231) echo 'GA102GL [RTX A5000]';;
    2206) echo 'GA102 [GeForce RTX 3080]';; 26b9) echo 'AD102GL [L40S]';; 2235) echo 'GA102GL [A40]';;
    *) echo "";;                                   # unknown to pci.ids: lspci prints "Device <id>"
  esac
}
drv_gpu_sysdir() { readlink -f "$DRV_SYS/bus/pci/devices/$1" 2>/dev/null; }
drv_gpu_driver() { local d; d=$(readlink "$(drv_gpu_sysdir "$1")/driver" 2>/dev/null) && basename "$d"; }
drv_short_bdf() { local b=$1; [ "${b%%:*}" = 0000 ] && b=${b#0000:}; echo "$b"; }
drv_smi_bdf() { echo "0000$1" | tr 'a-f' 'A-F'; }   # 0000:01:00.0 -> 00000000:01:00.0
# branch support for an architecture (17.x drops Maxwell/Pascal, 19.x drops Volta)
drv_arch_supported() { # arch branch
  case $1 in
    maxwell|pascal) [ "$2" -lt 550 ];;
    volta) [ "$2" -lt 580 ];;
    *) return 0;;
  esac
}
# vgpu_unlock is active when nvidia-vgpud last ran with LD_PRELOAD pointing to an existing file: the systemctl shim
# runs /usr/bin/nvidia-vgpud with the unit's effective Environment= (drop-ins, kept until daemon-reload), and the
# daemon records the preload in /run/nodesim/driver/vgpu_unlock (volatile: a reboot needs vgpud to run again).
drv_vgpu_unlock_active() {
  local p; p=$(cat "$DRV_RUN/vgpu_unlock" 2>/dev/null)
  [ -n "$p" ] && [ -f "$p" ]
}
