#!/bin/bash
# driver-pkg.sh -- the node's package view for apt-get/apt/dpkg-query/dpkg (sourced; /usr/lib/nodesim/driver-pkg.sh).
# Installed = identity (kernels, headers, pve-manager) + /var/lib/nodesim/dpkg/<pkg> (content: version)
#           - /var/lib/nodesim/dpkg/.removed/<pkg>. The CI host's dpkg database is never consulted. No network.
KREGEX='[0-9]+\.[0-9]+\.[0-9]+-[0-9]+-pve'
# pkg_candidate name -> "version<TAB>arch<TAB>size_kB<TAB>description", rc 1 = unknown to the repositories
pkg_candidate() {
  local n=$1
  if [[ $n =~ ^(proxmox|pve)-headers-($KREGEX)$ ]]; then printf '%s\tamd64\t97300\tProxmox Kernel Headers\n' "${BASH_REMATCH[2]%-pve}"; return; fi
  if [[ $n =~ ^proxmox-kernel-($KREGEX)(-signed)?$ ]] || [[ $n =~ ^pve-kernel-($KREGEX)$ ]]; then printf '%s\tamd64\t560000\tProxmox Kernel Image (signed)\n' "${BASH_REMATCH[1]%-pve}"; return; fi
  case $n in
    build-essential) printf '12.9\tamd64\t20\tInformational list of build-essential packages\n';;
    dkms) printf '3.0.10-8+deb12u1\tall\t196\tDynamic Kernel Module System (DKMS)\n';;
    mdevctl) printf '1.2.0-3+b1\tamd64\t2120\tMediated device management and persistence utility\n';;
    gcc) printf '4:12.2.0-3\tamd64\t51\tGNU C compiler\n';; g++) printf '4:12.2.0-3\tamd64\t14\tGNU C++ compiler\n';;
    make) printf '4.3-4.1\tamd64\t1592\tutility for directing compilation\n';;
    libc6-dev) printf '2.36-9+deb12u10\tamd64\t12758\tGNU C Library: Development Libraries and Header Files\n';;
    dpkg-dev) printf '1.21.22\tall\t2911\tDebian package development tools\n';;
    git) printf '1:2.39.5-0+deb12u2\tamd64\t38990\tfast, scalable, distributed revision control system\n';;
    curl) printf '7.88.1-10+deb12u12\tamd64\t500\tcommand line tool for transferring data with URL syntax\n';;
    wget) printf '1.21.3-1+deb12u1\tamd64\t3700\tretrieves files from the web\n';;
    jq) printf '1.6-2.1\tamd64\t102\tlightweight and flexible command-line JSON processor\n';;
    unzip) printf '6.0-28\tamd64\t385\tDe-archiver for .zip files\n';;
    cargo) printf '0.66.0+ds1-1\tamd64\t16720\tRust package manager\n';; rustc) printf '1.63.0+dfsg1-2\tamd64\t7700\tRust systems programming language\n';;
    pve-nvidia-vgpu-helper) printf '0.2.0\tall\t30\tProxmox VE NVIDIA vGPU helper\n';;
    proxmox-default-headers) printf '1.1.0\tall\t8\tDefault Proxmox Kernel Headers\n';;
    pve-headers) printf '8.2.0\tall\t8\tDefault Proxmox VE Kernel Headers (transitional)\n';;
    proxmox-default-kernel) printf '1.1.0\tall\t8\tDefault Proxmox Kernel Image\n';;
    python3) printf '3.11.2-1+b1\tamd64\t95\tinteractive high-level object-oriented language (default python3 version)\n';;
    ca-certificates) printf '20230311\tall\t382\tCommon CA certificates\n';; gnupg) printf '2.2.40-1.1\tall\t885\tGNU privacy guard\n';;
    pve-manager) printf '%s\tamd64\t3700\tProxmox Virtual Environment Management Tools\n' "$NODESIM_PVE_VERSION";;
    proxmox-ve) printf '%s\tall\t8\tProxmox Virtual Environment\n' "$NODESIM_PVE_VERSION";;
    *) return 1;;
  esac
}
pkg_deps() {
  case $1 in
    build-essential) echo "gcc g++ make libc6-dev dpkg-dev";; dkms) echo "gcc make";;
    proxmox-default-headers|pve-headers) echo "proxmox-headers-$(drv_installed_kernels | tail -n1)";;
    cargo) echo rustc;;
  esac
}
pkg_desc() { pkg_candidate "$1" | cut -f4; }
pkg_arch() { pkg_candidate "$1" | cut -f2; }
# file effects of a package (idempotent); also used at boot for preseeded state
pkg_apply() { # install|remove name
  local op=$1 n=$2 k
  if [[ $n =~ ^(proxmox|pve)-headers-($KREGEX)$ ]]; then k=${BASH_REMATCH[2]}
    if [ "$op" = install ]; then mkdir -p "/usr/src/linux-headers-$k" "/lib/modules/$k"; echo "nodesim headers $k" > "/usr/src/linux-headers-$k/Makefile"
      ln -sfn "/usr/src/linux-headers-$k" "/lib/modules/$k/build"
    elif ! drv_pkg_installed "proxmox-headers-$k" && ! drv_pkg_installed "pve-headers-$k"; then rm -rf "/usr/src/linux-headers-$k" "/lib/modules/$k/build"; fi
    return 0
  fi
  if [[ $n =~ ^proxmox-kernel-($KREGEX)(-signed)?$ ]] || [[ $n =~ ^pve-kernel-($KREGEX)$ ]]; then k=${BASH_REMATCH[1]}
    if [ "$op" = install ]; then mkdir -p "/lib/modules/$k" /boot; : > "/boot/vmlinuz-$k"; fi
    return 0
  fi
  case $n in
    dkms) if [ "$op" = install ]; then install -m 755 "$DRV_LIB/pkg/dkms" /usr/sbin/dkms; else rm -f /usr/sbin/dkms; fi;;
  esac
}
pkg_sync_files() { # make binaries match the dpkg state (boot)
  local n v
  while IFS=$'\t' read -r n v; do pkg_apply install "$n"; done < <(drv_all_pkgs)
  drv_pkg_installed dkms || rm -f /usr/sbin/dkms
}
pkg_record_install() { mkdir -p "$DRV_DPKG"; rm -f "$DRV_DPKG/.removed/$1"; echo "$2" > "$DRV_DPKG/$1"; }
pkg_record_remove() { rm -f "$DRV_DPKG/$1"; drv_identity_pkgs | cut -f1 | grep -qxF "$1" && { mkdir -p "$DRV_DPKG/.removed"; : > "$DRV_DPKG/.removed/$1"; }; true; }
# DKMS: build module version $1 for kernel $2 (registered source in /usr/src/nvidia-<ver>)
pkg_dkms_build() {
  local v=$1 k=$2 kmin kmax ko
  read -r kmin kmax < "/usr/src/nvidia-$v/nodesim-kernel-range" 2>/dev/null || return 1
  drv_headers_present "$k" || return 2
  drv_kernel_in_range "$k" "$kmin" "$kmax" || return 3
  mkdir -p "/var/lib/dkms/nvidia/$v/$k/x86_64/module" "/lib/modules/$k/updates/dkms"
  for ko in nvidia.ko nvidia-vgpu-vfio.ko; do echo "nodesim nvidia $v for $k" > "/var/lib/dkms/nvidia/$v/$k/x86_64/module/$ko"; cp "/var/lib/dkms/nvidia/$v/$k/x86_64/module/$ko" "/lib/modules/$k/updates/dkms/$ko"; done
}
pkg_dkms_autoinstall() { # kernel: what dkms.service / the kernel postinst hook do
  local src v
  for src in /usr/src/nvidia-*/; do
    [ -f "$src/dkms.conf" ] || continue; v=$(basename "$src"); v=${v#nvidia-}
    [ -d "/var/lib/dkms/nvidia/$v" ] && [ ! -d "/var/lib/dkms/nvidia/$v/$1" ] && pkg_dkms_build "$v" "$1"
  done; true
}
