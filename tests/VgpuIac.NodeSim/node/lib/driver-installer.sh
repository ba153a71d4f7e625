#!/bin/bash
# driver-installer.sh -- the body of the fake NVIDIA vGPU host driver installer (/usr/lib/nodesim/driver-installer.sh).
# Run by the small NVIDIA-Linux-x86_64-<ver>-vgpu-kvm[-custom].run scripts that FakeInstaller.Write produces; they
# export NV_VERSION NV_KERNEL_MIN NV_KERNEL_MAX NV_FLAVOR NV_LOAD_NOW NV_RUN. Messages follow the real nvidia-installer.
. /usr/lib/nodesim/driver.sh; . /usr/lib/nodesim/driver-kmod.sh; . /usr/lib/nodesim/driver-pkg.sh
RUN_NAME=$(basename "${NV_RUN:-NVIDIA-Linux-x86_64-$NV_VERSION-vgpu-kvm.run}")
drv_shim_begin shim-r "$RUN_NAME" "$@"
drv_identity
DESC="NVIDIA Accelerated Graphics Driver for Linux-x86_64"
ARGS=("$@")
silent=0 dkms=0 uninstall=0 extract=0 kname= nodisable=0 patch= signkey= skipload=0 nokmod=0 showver=0
while [ $# -gt 0 ]; do
  case $1 in
    -s|--silent) silent=1;; --dkms) dkms=1;; --no-dkms) dkms=0;; --uninstall) uninstall=1;;
    -x|--extract-only) extract=1;; -k) shift; kname=$1;; --kernel-name=*|-k=*) kname=${1#*=};;
    --no-disable-nouveau) nodisable=1;; --disable-nouveau) nodisable=0;;
    --apply-patch) shift; patch=$1;; --apply-patch=*) patch=${1#*=};;
    --module-signing-secret-key=*) signkey=${1#*=};; --module-signing-public-key=*) ;;
    --skip-module-load) skipload=1;; --no-kernel-modules|--no-kernel-module) nokmod=1;;
    -v|--version) showver=1;;
    -q|--no-questions|-a|--accept-license|--ui=*|-m=*|--kernel-module-type=*|-M=*|--no-x-check|--no-nouveau-check|--no-cc-version-check|--no-drm|--install-libglvnd|--no-rebuild-initramfs|-N|--no-network|-z|--no-nvidia-modprobe|-n|--no-opengl-files|--kernel-source-path=*|-j*|--concurrency-level=*) ;;
    -m|-M|-j) shift;;
    *) echo "ERROR: Unrecognized option: '$1'" >&2; echo "" >&2; echo "nvidia-installer: error: unable to parse the command line (see \`$RUN_NAME --help\`)." >&2; exit 1;;
  esac; shift
done
K=${kname:-$NODESIM_KERNEL}
if [ $uninstall = 1 ]; then LOG=/var/log/nvidia-uninstall.log; else LOG=/var/log/nvidia-installer.log; fi

# ---------- output helpers ----------
wrap() { # prefix text  -> lines of at most 80 columns, continuation indented 9 spaces (stream UI without a tty)
  awk -v p="$1" -v t="$2" 'BEGIN{ n=split(t, w, / /); line=p; first=1
    for (i=1;i<=n;i++) { x=w[i]
      if (!first && length(line)+1+length(x) > 80) { sub(/ +$/,"",line); print line; line="         " x; first=0; continue }
      if (first) { line=line x; first=0 } else line=line " " x }
    sub(/ +$/,"",line); print line }'
}
log() { printf '%s\n' "$@" >> "$LOG"; }
say() { [ $silent = 1 ] || printf '%s\n' "$@"; }
err() { log "ERROR: $1"; wrap "ERROR: " "$1" >&2; echo "" >&2; }
warn() { log "WARNING: $1"; wrap "WARNING: " "$1" >&2; echo "" >&2; }
fail_install() {
  err "Installation has failed.  Please see the file '/var/log/nvidia-installer.log' for details.  You may find suggestions on fixing installation problems in the README available on the Linux driver download page at www.nvidia.com."
  exit 1
}
log_header() {
  mkdir -p /var/log; : > "$LOG"
  log "nvidia-installer log file '$LOG'" "creation time: $(LC_ALL=C date '+%a %b %e %H:%M:%S %Y')" "installer version: $NV_VERSION" "" "PATH: $PATH" "" "nvidia-installer command line:" "    ./nvidia-installer"
  local a; for a in "${ARGS[@]}"; do log "    $a"; done
  log "" "Using built-in stream user interface" "-> Detected $(nproc 2>/dev/null || echo 2) CPUs online; setting concurrency level to $(nproc 2>/dev/null || echo 2)."
}
makeself_banner() { echo "Verifying archive integrity... OK"; echo "Uncompressing $DESC $NV_VERSION................................................................................"; }

[ $showver = 1 ] && { printf '\nnvidia-installer:  version %s\n  The NVIDIA Software Installer for Unix/Linux.\n\n' "$NV_VERSION"; exit 0; }

# ---------- -x / --apply-patch (no state change outside the working directory) ----------
if [ $extract = 1 ]; then
  d="NVIDIA-Linux-x86_64-$NV_VERSION-$NV_FLAVOR"
  echo "Creating directory $d"; makeself_banner
  mkdir -p "$d/kernel/nvidia" "$d/kernel/nvidia-vgpu-vfio" "$d/init-scripts/systemd"
  cp "$NV_RUN" "$d/nvidia-installer" 2>/dev/null; echo "$NV_VERSION" > "$d/.version"
  exit 0
fi
if [ -n "$patch" ]; then
  [ -f "$patch" ] || { echo "ERROR: Unable to open patch file '$patch'." >&2; exit 1; }
  out="NVIDIA-Linux-x86_64-$NV_VERSION-vgpu-kvm-custom.run"
  makeself_banner
  sed -e "s/^NV_FLAVOR=.*/NV_FLAVOR='vgpu-kvm-custom'/" "$NV_RUN" > "$out" && chmod +x "$out"
  echo "Self-extractible archive \"$out\" successfully created."
  exit 0
fi

# ---------- uninstall ----------
remove_installed() { # quiet removal of everything the installed version put on the node
  local v; v=$(drv_installed_version)
  [ -x /usr/bin/systemctl ] && drv_internal /usr/bin/systemctl disable nvidia-vgpud.service nvidia-vgpu-mgr.service >/dev/null 2>&1
  while IFS= read -r f; do [ -n "$f" ] && rm -f "$f"; done < "$DRV_STATE/files" 2>/dev/null
  if [ -n "$v" ]; then rm -rf "/var/lib/dkms/nvidia/$v" "/usr/src/nvidia-$v"; rmdir /var/lib/dkms/nvidia 2>/dev/null; fi
  rm -f /lib/modules/*/updates/dkms/nvidia.ko /lib/modules/*/updates/dkms/nvidia-vgpu-vfio.ko /lib/modules/*/kernel/drivers/video/nvidia.ko /lib/modules/*/kernel/drivers/video/nvidia-vgpu-vfio.ko
  rm -f "$DRV_STATE/installed_version" "$DRV_STATE/kernel_range" "$DRV_STATE/flavor" "$DRV_STATE/dkms" "$DRV_STATE/signed" "$DRV_STATE/files"
}
unload_or_pending() { # after removal: unload the modules, or leave a pending reboot if they are busy
  if drv_mod_loaded nvidia || drv_mod_loaded nvidia_vgpu_vfio; then
    if kmod_unload nvidia_vgpu_vfio 2>/dev/null || ! drv_mod_loaded nvidia_vgpu_vfio; then kmod_unload nvidia 2>/dev/null; fi
    if drv_mod_loaded nvidia; then
      warn "Unable to unload the NVIDIA kernel module 'nvidia'; the driver stays loaded until the system is rebooted."
      : > "$DRV_STATE/pending_reboot"
    fi
    /usr/lib/nodesim/driver-load.sh
  fi
}
if [ $uninstall = 1 ]; then
  log_header
  old=$(drv_installed_version)
  if [ -z "$old" ]; then
    # wording approximated: the real tool reports that no driver installed by nvidia-installer was found
    err "No NVIDIA driver is currently installed on this system; there is nothing to uninstall."
    exit 1
  fi
  drv_mutating
  log "-> Parsing log file:" "-> done." "-> Validating previous installation:" "-> Uninstalling $DESC ($old):"
  [ -f "$DRV_STATE/dkms" ] && log "-> Uninstalling DKMS kernel module: nvidia/$old"
  remove_installed
  unload_or_pending
  log "-> done." "-> Uninstallation of existing driver: $DESC ($old) is complete."
  say "" "Uninstallation of existing driver: $DESC ($old) is complete."
  exit 0
fi

# ---------- install ----------
makeself_banner
log_header
log "-> Installing NVIDIA driver version $NV_VERSION."
old=$(drv_installed_version)
if [ -n "$old" ]; then
  log "-> There appears to already be a driver installed on your system (version: $old).  As part of installing this driver (version: $NV_VERSION), the existing driver will be uninstalled.  Are you sure you want to continue? (Answer: Continue installation)"
  drv_mod_loaded nvidia_vgpu_vfio && kmod_unload nvidia_vgpu_vfio 2>/dev/null && drv_mutating
  if drv_mod_loaded nvidia_vgpu_vfio; then
    err "An NVIDIA kernel module 'nvidia-vgpu-vfio' appears to already be loaded in your kernel.  This may be because it is in use (for example, by an X server, a CUDA program, or the NVIDIA Persistence Daemon), but this may also happen if your kernel was configured without support for module unloading.  Please be sure to exit any programs that may be using the GPU(s) before attempting to upgrade your driver.  If no GPU-based programs are running, you know that your kernel supports module unloading, and you still receive this message, then an error may have occurred that has corrupted an NVIDIA kernel module's usage count, for which the simplest remedy is to reboot your computer."
    fail_install
  fi
  drv_mod_loaded nvidia && kmod_unload nvidia 2>/dev/null && drv_mutating
  [ "$DRV_KIND" = shim-m ] && /usr/lib/nodesim/driver-load.sh
fi
# nouveau bound to a GPU: refuse, and (unless --no-disable-nouveau) write the modprobe blacklist files
if drv_mod_loaded nouveau && kmod_gpus_on nouveau; then
  err "The Nouveau kernel driver is currently in use by your system.  This driver is incompatible with the NVIDIA driver, and must be disabled before proceeding.  Please consult the NVIDIA driver README and your Linux distribution's documentation for details on how to correctly disable the Nouveau kernel driver."
  if [ $nodisable = 0 ]; then
    drv_mutating
    for f in /usr/lib/modprobe.d/nvidia-installer-disable-nouveau.conf /etc/modprobe.d/nvidia-installer-disable-nouveau.conf; do
      mkdir -p "$(dirname "$f")"; printf '# generated by nvidia-installer\nblacklist nouveau\noptions nouveau modeset=0\n' > "$f"; done
    warn "One or more modprobe configuration files to disable Nouveau have been written.  For some distributions, this may be sufficient to disable Nouveau; other distributions may require modification of the initial ramdisk.  Please reboot your system and attempt NVIDIA driver installation again.  Note if you later wish to re-enable Nouveau, you will need to delete these files: /usr/lib/modprobe.d/nvidia-installer-disable-nouveau.conf, /etc/modprobe.d/nvidia-installer-disable-nouveau.conf"
  fi
  fail_install
fi
if [ $nokmod = 0 ]; then
  log "-> Performing CC sanity check with CC=\"/usr/bin/cc\"." "-> Performing CC check." "-> Kernel source path: '/lib/modules/$K/build'" "-> Kernel output path: '/lib/modules/$K/build'"
  if ! drv_headers_present "$K"; then
    err "Unable to find the kernel source tree for the currently running kernel.  Please make sure you have installed the kernel source files for your kernel and that they are properly configured; on Red Hat Linux systems, for example, be sure you have the 'kernel-source' or 'kernel-devel' RPM installed.  If you know the correct kernel source files are installed, you may specify the kernel source path with the '--kernel-source-path' command line option."
    fail_install
  fi
  if ! drv_kernel_in_range "$K" "$NV_KERNEL_MIN" "$NV_KERNEL_MAX"; then
    log "-> Building kernel modules" "   Kernel $K is not supported by this driver (supported: $NV_KERNEL_MIN - $NV_KERNEL_MAX)." \
        "   nvidia-vgpu-vfio/nvidia-vgpu-vfio.c: error: implicit declaration of function 'follow_pfn'" \
        "   make[1]: *** [Makefile:2030: /tmp/selfgz1234/NVIDIA-Linux-x86_64-$NV_VERSION-$NV_FLAVOR/kernel] Error 2"
    if [ $dkms = 1 ]; then
      log "Error! Bad return status for module build on kernel: $K (x86_64)" "Consult /var/lib/dkms/nvidia/$NV_VERSION/build/make.log for more information."
      err "Failed to install the kernel module through DKMS. No kernel module was installed; please try installing again without DKMS, or check the DKMS logs for more information."
    else
      err "An error occurred while performing the step: \"Building kernel modules\". See /var/log/nvidia-installer.log for details."
      err "An error occurred while performing the step: \"Checking to see whether the nvidia kernel module was successfully built\". See /var/log/nvidia-installer.log for details."
    fi
    fail_install
  fi
  log "-> Kernel module compilation complete."
fi

# --dkms needs the dkms tool (the `dkms` package): without it the real installer says "Failed to find dkms on the
# system!" when it runs `dkms add`, then that no kernel module was installed, and fails. (The real one has put the
# driver's files in place by then; the simulated one fails before writing anything.)
if [ $dkms = 1 ] && [ $nokmod = 0 ] && ! command -v dkms >/dev/null 2>&1; then
  log "-> Installing DKMS kernel module:"
  err "Failed to find dkms on the system!"
  err "Failed to install the kernel module through DKMS. No kernel module was installed; please try installing again without DKMS, or check the DKMS logs for more information."
  fail_install
fi

# success: replace the old driver, then put this one on the node
drv_mutating
if [ -n "$old" ]; then
  log "-> Uninstalling the previous installation with /usr/bin/nvidia-uninstall."
  remove_installed
fi
mkdir -p "$DRV_STATE" /usr/lib/nvidia /lib/systemd/system
files=(/usr/bin/nvidia-smi /usr/bin/nvidia-vgpud /usr/bin/nvidia-vgpu-mgr /usr/bin/nvidia-installer /usr/bin/nvidia-uninstall /usr/lib/nvidia/sriov-manage
       /lib/systemd/system/nvidia-vgpud.service /lib/systemd/system/nvidia-vgpu-mgr.service)
install -m 755 "$DRV_LIB/driver/nvidia-smi" /usr/bin/nvidia-smi
install -m 755 "$DRV_LIB/driver/nvidia-vgpud" /usr/bin/nvidia-vgpud
install -m 755 "$DRV_LIB/driver/nvidia-vgpu-mgr" /usr/bin/nvidia-vgpu-mgr
install -m 755 "$DRV_LIB/driver/sriov-manage" /usr/lib/nvidia/sriov-manage
install -m 755 "$NV_RUN" /usr/bin/nvidia-installer 2>/dev/null || printf '#!/bin/sh\necho "nvidia-installer: version %s"\n' "$NV_VERSION" > /usr/bin/nvidia-installer
printf '#!/bin/sh\nexec /usr/bin/nvidia-installer --uninstall "$@"\n' > /usr/bin/nvidia-uninstall; chmod 755 /usr/bin/nvidia-uninstall
cat > /lib/systemd/system/nvidia-vgpud.service <<UNIT
[Unit]
Description=NVIDIA vGPU Daemon
Wants=syslog.target

[Service]
Type=forking
PIDFile=/var/run/nvidia-vgpud/nvidia-vgpud.pid
ExecStart=/usr/bin/nvidia-vgpud
ExecStopPost=/bin/rm -rf /var/run/nvidia-vgpud

[Install]
WantedBy=multi-user.target
UNIT
cat > /lib/systemd/system/nvidia-vgpu-mgr.service <<UNIT
[Unit]
Description=NVIDIA vGPU Manager Daemon
Wants=syslog.target
Before=pve-guests.service

[Service]
Type=forking
KillMode=process
ExecStart=/usr/bin/nvidia-vgpu-mgr
ExecStopPost=/bin/rm -rf /var/run/nvidia-vgpu-mgr

[Install]
WantedBy=multi-user.target
UNIT
echo "$NV_VERSION" > "$DRV_STATE/installed_version"
echo "$NV_KERNEL_MIN $NV_KERNEL_MAX" > "$DRV_STATE/kernel_range"
echo "$NV_FLAVOR" > "$DRV_STATE/flavor"
[ -n "$signkey" ] && : > "$DRV_STATE/signed"
if [ $nokmod = 0 ]; then
  if [ $dkms = 1 ]; then
    : > "$DRV_STATE/dkms"
    mkdir -p "/usr/src/nvidia-$NV_VERSION" "/var/lib/dkms/nvidia/$NV_VERSION"
    printf 'PACKAGE_NAME="nvidia"\nPACKAGE_VERSION="%s"\nBUILT_MODULE_NAME[0]="nvidia"\nDEST_MODULE_LOCATION[0]="/kernel/drivers/video"\nBUILT_MODULE_NAME[1]="nvidia-vgpu-vfio"\nDEST_MODULE_LOCATION[1]="/kernel/drivers/video"\nAUTOINSTALL="yes"\n' "$NV_VERSION" > "/usr/src/nvidia-$NV_VERSION/dkms.conf"
    echo "$NV_KERNEL_MIN $NV_KERNEL_MAX" > "/usr/src/nvidia-$NV_VERSION/nodesim-kernel-range"
    ln -sfn "/usr/src/nvidia-$NV_VERSION" "/var/lib/dkms/nvidia/$NV_VERSION/source"
    pkg_dkms_build "$NV_VERSION" "$K"
    log "-> Installing DKMS kernel module:" "   Adding the nvidia-$NV_VERSION module to DKMS (dkms add)." "   Building the nvidia-$NV_VERSION module with DKMS (dkms build)." "   Installing the nvidia-$NV_VERSION module with DKMS (dkms install)." "-> done."
  else
    mkdir -p "/lib/modules/$K/kernel/drivers/video"
    for ko in nvidia.ko nvidia-vgpu-vfio.ko; do echo "nodesim nvidia $NV_VERSION for $K" > "/lib/modules/$K/kernel/drivers/video/$ko"; files+=("/lib/modules/$K/kernel/drivers/video/$ko"); done
    log "-> Installing the kernel modules to /lib/modules/$K/kernel/drivers/video" "-> done."
  fi
fi
printf '%s\n' "${files[@]}" > "$DRV_STATE/files"
log "-> Driver file installation is complete." "-> Running post-install sanity check:" "-> Post-install sanity check passed."
[ -x /usr/bin/systemctl ] && drv_internal /usr/bin/systemctl enable nvidia-vgpud.service nvidia-vgpu-mgr.service >/dev/null 2>&1 &&
  log "-> Executing: /usr/bin/systemctl enable nvidia-vgpud.service nvidia-vgpu-mgr.service"
loaded=0
if [ "$NV_LOAD_NOW" = 1 ] && [ $skipload = 0 ] && [ $nokmod = 0 ] && [ "$K" = "$NODESIM_KERNEL" ]; then
  if kmod_load nvidia 2>/dev/null && kmod_load nvidia_vgpu_vfio 2>/dev/null; then
    loaded=1; /usr/lib/nodesim/driver-load.sh
    [ -x /usr/bin/systemctl ] && drv_internal /usr/bin/systemctl start nvidia-vgpud.service nvidia-vgpu-mgr.service >/dev/null 2>&1
    log "-> Kernel module load test succeeded."
  fi
fi
if [ $loaded = 1 ]; then rm -f "$DRV_STATE/pending_reboot"; else : > "$DRV_STATE/pending_reboot"; fi
log "-> Installation of the kernel module for the $DESC (version: $NV_VERSION) is now complete."
say "" "Installation of the kernel module for the $DESC (version: $NV_VERSION) is now complete."
exit 0
