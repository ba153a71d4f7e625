#!/bin/bash
# driver-load.sh -- makes the fake /sys match the loaded modules (installed as /usr/lib/nodesim/driver-load.sh).
# Run by: boot.d/30-driver, modprobe/rmmod, sriov-manage, and the nvidia-vgpud on-unit-start hook.
# Per GPU in /etc/nodesim/gpus/*.env: binds the device to nvidia/nouveau (driver link), and creates or removes
# mdev_supported_types (VGPU=native; VGPU=unlockable only with vgpu_unlock active) or, for VGPU=sriov, the VFs
# enabled by sriov-manage with their types (mdev types on kernels < 6.8, nvidia/creatable_vgpu_types on >= 6.8).
. /usr/lib/nodesim/driver.sh
drv_identity
S=$DRV_SYS
BRANCH=$(drv_branch); BRANCH=${BRANCH:-0}
NEW_PARENTS=()

rel_to_sys() { # absolute path under $S -> "../" chain from that directory back to $S
  local r=${1#$S/} up=""; local IFS=/; for _ in $r; do up="../$up"; done; echo "${up%/}"
}
bind_driver() { # sysdir bdf driver|""
  local P=$1 b=$2 drv=$3 cur
  cur=$(readlink "$P/driver" 2>/dev/null); cur=${cur##*/}
  [ "$cur" = "$drv" ] && return 0
  [ -n "$cur" ] && rm -f "$P/driver" "$S/bus/pci/drivers/$cur/$b"
  [ -n "$drv" ] || return 0
  mkdir -p "$S/bus/pci/drivers/$drv"
  ln -sfn "$(rel_to_sys "$P")/bus/pci/drivers/$drv" "$P/driver"
  ln -sfn "$(rel_to_sys "$S/bus/pci/drivers/$drv")/${P#$S/}" "$S/bus/pci/drivers/$drv/$b"
}
has_mdevs() { ls -d "$1"/*-*-*-*-* >/dev/null 2>&1; }
types_rows() { # prints: id<TAB>name<TAB>fb<TAB>frl<TAB>max<TAB>res<TAB>heads
  [ -r "$GPU_TYPES" ] || return 0
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    case $line in ''|'#'*) continue;; esac
    if [[ $line == *$'\t'* ]]; then printf '%s\n' "$line"
    else set -- $line; printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "${2//_/ }" "$3" "$4" "$5" "$6" "${7:-4}"; fi
  done < "$GPU_TYPES"
}
ensure_mdev_types() { # sysdir per_vf(0/1)
  local P=$1 vf=$2 t name fb frl max res heads d
  mkdir -p "$P/mdev_supported_types"
  while IFS=$'\t' read -r t name fb frl max res heads; do
    d=$P/mdev_supported_types/$t; [ -d "$d" ] && continue
    mkdir -p "$d/devices"
    echo "$name" > "$d/name"
    echo "num_heads=${heads:-4}, frl_config=$frl, framebuffer=${fb}M, max_resolution=$res, max_instance=$max" > "$d/description"
    if [ "$vf" = 1 ]; then echo 1; else echo "$max"; fi > "$d/available_instances"
    echo vfio-pci > "$d/device_api"; : > "$d/create"
  done < <(types_rows)
  local b; b=$(basename "$P"); mkdir -p "$S/class/mdev_bus"
  if [ ! -L "$S/class/mdev_bus/$b" ]; then
    ln -sfn "$(rel_to_sys "$S/class/mdev_bus")/${P#$S/}" "$S/class/mdev_bus/$b"
    NEW_PARENTS+=("$b")
  fi
}
remove_mdev_types() { # sysdir
  local P=$1; has_mdevs "$P" && return 0       # a live vGPU keeps the parent (rmmod refuses earlier)
  rm -rf "$P/mdev_supported_types"; rm -f "$S/class/mdev_bus/$(basename "$P")"
}
ensure_vf_vendor_types() { # vf sysdir (kernel >= 6.8: NVIDIA vendor-specific VFIO)
  local V=$1 t name rest
  mkdir -p "$V/nvidia"
  [ -f "$V/nvidia/current_vgpu_type" ] || echo 0 > "$V/nvidia/current_vgpu_type"
  { printf 'ID    : vGPU Name\n'; types_rows | while IFS=$'\t' read -r t name rest; do printf '%-5s : %s\n' "${t#nvidia-}" "$name"; done; } > "$V/nvidia/creatable_vgpu_types"
}
vf_bdfs() { # pf_bdf count
  local dom=${1%%:*} rest=${1#*:}; local bus=${rest%%:*} i n
  for ((i=0; i<$2; i++)); do n=$((4+i)); printf '%s:%s:%02x.%x\n' "$dom" "$bus" $((n/8)) $((n%8)); done
}
sync_vfs() { # pf sysdir, pf bdf, wanted(0/1)
  local P=$1 pf=$2 want=$3 n=${SRIOV_TOTALVFS:-16} vf V i=0 newk=0
  drv_ver_le 6.8 "$(drv_kernel_mm "$NODESIM_KERNEL")" && newk=1
  echo "$n" > "$P/sriov_totalvfs"
  if [ "$want" = 1 ]; then
    echo "$n" > "$P/sriov_numvfs"
    for vf in $(vf_bdfs "$pf" "$n"); do
      V=$(dirname "$P")/$vf
      if [ ! -d "$V" ]; then
        mkdir -p "$V"
        echo "0x$VENDOR" > "$V/vendor"; echo "0x$DEVICE" > "$V/device"; echo "$CLASS" > "$V/class"
        echo "0x${SUBSYS_VENDOR:-$VENDOR}" > "$V/subsystem_vendor"; echo "0x${SUBSYS_DEVICE:-0000}" > "$V/subsystem_device"
        ln -sfn "../$(basename "$P")" "$V/physfn"; ln -sfn "../$vf" "$P/virtfn$i"
        mkdir -p "$S/bus/pci/devices"; ln -sfn "$(rel_to_sys "$S/bus/pci/devices")/${V#$S/}" "$S/bus/pci/devices/$vf"
      fi
      bind_driver "$V" "$vf" nvidia
      if [ $newk = 1 ]; then remove_mdev_types "$V"; ensure_vf_vendor_types "$V"; else rm -rf "$V/nvidia"; ensure_mdev_types "$V" 1; fi
      i=$((i+1))
    done
  else
    echo 0 > "$P/sriov_numvfs"
    for V in "$P"/virtfn*; do
      [ -L "$V" ] || continue
      V=$(readlink -f "$V"); vf=$(basename "$V")
      has_mdevs "$V" && continue
      bind_driver "$V" "$vf" ""; rm -f "$S/class/mdev_bus/$vf" "$S/bus/pci/devices/$vf"; rm -rf "$V"
    done
    rm -f "$P"/virtfn*
  fi
}

# module version file like /sys/module/nvidia/version
if drv_mod_loaded nvidia; then mkdir -p "$S/module/nvidia"; drv_installed_version > "$S/module/nvidia/version"; else rm -rf "$S/module/nvidia"; fi

for f in $(drv_gpu_files); do
  drv_load_gpu "$f"
  P=$(drv_gpu_sysdir "$BDF"); [ -n "$P" ] && [ -d "$P" ] || continue
  cur=$(drv_gpu_driver "$BDF")
  if drv_mod_loaded nvidia && [ "$cur" != vfio-pci ]; then bind_driver "$P" "$BDF" nvidia
  elif drv_mod_loaded nouveau && [ "$cur" != vfio-pci ]; then bind_driver "$P" "$BDF" nouveau
  elif [ "$cur" = nvidia ] || [ "$cur" = nouveau ]; then bind_driver "$P" "$BDF" ""
  fi
  want=0
  if drv_mod_loaded nvidia_vgpu_vfio && [ "$(drv_gpu_driver "$BDF")" = nvidia ] && drv_arch_supported "$ARCH" "$BRANCH"; then
    case $VGPU in
      native) want=1;;
      unlockable) drv_vgpu_unlock_active && want=1;;
      sriov) want=2;;
    esac
  fi
  case $want in
    1) ensure_mdev_types "$P" 0;;
    2) remove_mdev_types "$P"; if [ -e "$DRV_RUN/sriov/$BDF" ]; then sync_vfs "$P" "$BDF" 1; else sync_vfs "$P" "$BDF" 0; fi;;
    *) remove_mdev_types "$P"; [ "$VGPU" = sriov ] && sync_vfs "$P" "$BDF" 0;;
  esac
done
# a newly registered mdev parent: udev's mdevctl rule starts its auto-start definitions (as 45-mdev does at boot)
for b in "${NEW_PARENTS[@]}"; do
  [ -d "/etc/mdevctl.d/$b" ] && [ -x "$DRV_LIB/mdevctl.real" ] || continue
  "$DRV_LIB/mdevctl.real" start-parent-mdevs "$b" >/dev/null 2>&1
  [ -x "$DRV_LIB/fake-kernel.sh" ] && "$DRV_LIB/fake-kernel.sh" "$S"
done
true
