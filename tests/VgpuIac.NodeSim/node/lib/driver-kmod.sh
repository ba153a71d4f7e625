#!/bin/bash
# driver-kmod.sh -- fake kernel-module layer for modprobe/rmmod/lsmod/boot (sourced; /usr/lib/nodesim/driver-kmod.sh).
# Loaded modules are empty files in /run/nodesim/modules/<name>; the real kernel is never touched.
kmod_norm() { local m=${1##*/}; m=${m%.ko}; m=${m%.ko.xz}; echo "${m//-/_}"; }
kmod_deps_of() { # module -> REPLY: its direct dependencies (space-separated; empty for none)
  case $1 in
    nvidia_vgpu_vfio) REPLY="nvidia mdev vfio";;
    vfio_pci) REPLY="vfio_pci_core vfio";; vfio_pci_core) REPLY="vfio irqbypass";; vfio_iommu_type1) REPLY=vfio;;
    kvm_intel|kvm_amd) REPLY=kvm;; kvm) REPLY=irqbypass;;
    nouveau) REPLY="drm_ttm_helper ttm drm_display_helper";; nvidia_drm) REPLY=nvidia_modeset;; nvidia_modeset) REPLY=nvidia;;
    *) REPLY=;;
  esac
}
kmod_deps() { kmod_deps_of "$1"; [ -z "$REPLY" ] || echo "$REPLY"; }   # direct dependencies
kmod_size_of() { # module -> REPLY: its size in bytes
  case $1 in nvidia) REPLY=56819712;; nvidia_vgpu_vfio) REPLY=86016;; nouveau) REPLY=2883584;; mdev) REPLY=20480;; vfio) REPLY=57344;;
    vfio_pci) REPLY=16384;; vfio_pci_core) REPLY=86016;; vfio_iommu_type1) REPLY=45056;; kvm) REPLY=1404928;; kvm_intel) REPLY=409600;;
    irqbypass) REPLY=12288;; *) REPLY=16384;; esac
}
kmod_size() { kmod_size_of "$1"; echo "$REPLY"; }
kmod_exists() { # module kernel: is there a .ko for it in the (fake) module tree of that kernel?
  local m=$1 k=$2
  case $m in
    nvidia|nvidia_vgpu_vfio) drv_nvidia_module_file "$k" >/dev/null;;
    vfio_virqfd) ! drv_ver_le 6.2 "$(drv_kernel_mm "$k")";;      # merged into vfio in 6.2
    nvidia_drm|nvidia_modeset|nvidia_uvm) return 1;;              # the vgpu-kvm package ships neither
    nouveau|nvidiafb|drm_ttm_helper|ttm|drm_display_helper|mdev|vfio|vfio_pci|vfio_pci_core|vfio_iommu_type1|kvm|kvm_intel|kvm_amd|irqbypass|snd_hda_intel|zfs|bonding|8021q|br_netfilter|overlay|nbd) return 0;;
    *) return 1;;
  esac
}
kmod_users() { # loaded modules that depend on $1
  local f m
  for f in "$DRV_MODULES"/*; do [ -e "$f" ] || continue; m=${f##*/}
    kmod_deps_of "$m"; case " $REPLY " in *" $1 "*) echo "$m";; esac; done
}
# kmod_load module -> 0, or prints the modprobe error and returns 1
kmod_load() {
  local m=$1 k=$NODESIM_KERNEL d
  drv_mod_loaded "$m" && return 0
  if ! kmod_exists "$m" "$k"; then echo "modprobe: FATAL: Module $m not found in directory /lib/modules/$k" >&2; return 1; fi
  for d in $(kmod_deps "$m"); do kmod_load "$d" || return 1; done
  case $m in
    nvidia)
      if [ "$NODESIM_SECUREBOOT" = 1 ] && [ ! -e "$DRV_STATE/signed" ]; then
        drv_kmsg "Loading of unsigned module is rejected"
        echo "modprobe: ERROR: could not insert 'nvidia': Key was rejected by service" >&2; return 1; fi
      if drv_mod_loaded nouveau && kmod_gpus_on nouveau; then
        drv_kmsg "NVRM: GPU $BDF is already bound to nouveau." "NVRM: The NVIDIA probe routine was not called for 1 device(s)." "NVRM: No NVIDIA devices probed."
        echo "modprobe: ERROR: could not insert 'nvidia': No such device" >&2; return 1; fi
      drv_kmsg "nvidia: loading out-of-tree module taints kernel." "nvidia-nvlink: Nvlink Core is being initialized, major device number 511" \
        "NVRM: loading NVIDIA UNIX x86_64 Kernel Module  $(drv_installed_version)";;
    nvidia_vgpu_vfio) drv_kmsg "nvidia_vgpu_vfio: module verification failed: signature and/or required key missing - tainting kernel" \
        "NVRM: NVIDIA vGPU VFIO Module loaded";;
    nouveau) drv_kmsg "nouveau: detected PR support, will not use DSM" "[drm] Initialized nouveau 1.3.1 20120801 for $(kmod_first_gpu) on minor 0";;
  esac
  drv_mod_mark "$m"
}
kmod_first_gpu() { local f; f=$(drv_gpu_files | head -n1); [ -n "$f" ] && (drv_load_gpu "$f"; echo "$BDF"); }
kmod_gpus_on() { local f; for f in $(drv_gpu_files); do drv_load_gpu "$f"; [ "$(drv_gpu_driver "$BDF")" = "$1" ] && return 0; done; return 1; }
kmod_any_mdev() { ls /sys/bus/mdev/devices/ 2>/dev/null | grep -q .; }
# kmod_unload module -> 0, or prints the rmmod-style error and returns 1
kmod_unload() {
  local m=$1 u
  drv_mod_loaded "$m" || { echo "rmmod: ERROR: Module $m is not currently loaded" >&2; return 1; }
  u=$(kmod_users "$m" | tr '\n' ',' ); u=${u%,}
  if [ -n "$u" ]; then echo "rmmod: ERROR: Module $m is in use by: ${u//,/ }" >&2; return 1; fi
  if [ "$m" = nvidia_vgpu_vfio ] && kmod_any_mdev; then echo "rmmod: ERROR: Module $m is in use" >&2; return 1; fi
  drv_mod_unmark "$m"
}
kmod_lsmod() { # no command substitution per module: lsmod runs on every node probe
  local f m u n d i j t users mdevs=0 loaded=() by=()
  printf '%-19s %8s  %s\n' Module Size "Used by"
  for d in /sys/bus/mdev/devices/*; do { [ -e "$d" ] || [ -L "$d" ]; } && mdevs=$((mdevs + 1)); done
  for f in "$DRV_MODULES"/*; do [ -e "$f" ] && loaded+=("${f##*/}"); done
  for m in $(ls -t "$DRV_MODULES" 2>/dev/null); do
    by=(); for u in "${loaded[@]}"; do kmod_deps_of "$u"; case " $REPLY " in *" $m "*) by+=("$u");; esac; done
    for ((i = 1; i < ${#by[@]}; i++)); do   # sorted as sort(1) sorts them in this locale
      t=${by[i]}; j=$i; while ((j > 0)) && [[ $t < ${by[j-1]} ]]; do by[j]=${by[j-1]}; j=$((j - 1)); done; by[j]=$t
    done
    n=${#by[@]}; users=; for u in "${by[@]}"; do users+=${users:+,}$u; done
    [ "$m" = nvidia_vgpu_vfio ] && n=$((n + mdevs))
    kmod_size_of "$m"
    printf '%-19s %8s  %s%s\n' "$m" "$REPLY" "$n" "${users:+ $users}"
  done
}
