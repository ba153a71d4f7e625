#!/bin/bash
# fake-kernel.sh [SYSROOT] -- emulates the mdev core after writes to .../mdev_supported_types/<type>/create (a UUID)
# or .../<uuid>/remove ("1"). Installed as /usr/lib/nodesim/fake-kernel.sh; run by the mdevctl wrapper, qm and boot
# hooks after they write those files. Then recomputes available_instances:
# - time-sliced GPUs (Pascal/Turing): once vGPUs exist, only types with the same framebuffer size stay creatable
#   (max_instance - live instances); every other size shows 0 (homogeneous-size rule of the NVIDIA driver);
# - SR-IOV virtual functions (parent has physfn): one vGPU per VF (1 when free, 0 when used).
S=${1:-/sys}
# fast path: nothing written to any create/remove file -> nothing to do
[ -n "$(find "$S/devices" \( -name create -o -name remove \) -size +0 -print -quit 2>/dev/null)" ] || exit 0
for P in "$S"/class/mdev_bus/*; do
  [ -e "$P" ] || continue
  PD=$(readlink -f "$P")
  # removals
  for dev in "$PD"/*-*-*-*-*; do
    [ -f "$dev/remove" ] || continue
    if [ "$(< "$dev/remove")" = 1 ]; then
      u=${dev##*/}; t=$(readlink "$dev/mdev_type"); t=${t##*/}
      rm -f "$S/bus/mdev/devices/$u" "$PD/mdev_supported_types/$t/devices/$u"; rm -rf "$dev"
    fi
  done
  # creations
  for T in "$PD"/mdev_supported_types/*; do
    [ -s "$T/create" ] || continue
    u=$(tr -d '\n' < "$T/create"); : > "$T/create"
    [ -n "$u" ] || continue
    [ -e "$PD/$u" ] && continue
    [ "$(< "$T/available_instances")" -gt 0 ] 2>/dev/null || continue     # the kernel would refuse (EINVAL)
    t=${T##*/}
    mkdir -p "$PD/$u"; ln -sfn "../mdev_supported_types/$t" "$PD/$u/mdev_type"; : > "$PD/$u/remove"
    echo "MDEV_TYPE=$t" > "$PD/$u/uevent"
    rel=${PD#"$S"/}; ln -sfn "../../../$rel/$u" "$S/bus/mdev/devices/$u"
    ln -sfn "../../../$u" "$T/devices/$u"
  done
  # recompute available_instances
  n=0; used_fb=""
  for dev in "$PD"/*-*-*-*-*; do
    [ -L "$dev/mdev_type" ] || continue
    n=$((n + 1)); t=$(readlink "$dev/mdev_type"); d=$(< "$PD/mdev_supported_types/${t##*/}/description")
    used_fb=${d#*framebuffer=}; used_fb=${used_fb%%M*}
  done
  # A kernel's sysfs read is atomic: readers that take no lock (mdevctl types, the node probe) never see an empty
  # available_instances, so a changed value is written beside it and renamed over it.
  for T in "$PD"/mdev_supported_types/*; do
    [ -f "$T/description" ] || continue
    d=$(< "$T/description"); max=${d#*max_instance=}; max=${max%%[!0-9]*}; fb=${d#*framebuffer=}; fb=${fb%%M*}
    if [ -e "$PD/physfn" ]; then
      [ $n -gt 0 ] && a=0 || a=1
    elif [ $n -eq 0 ]; then a=$max
    elif [ "$fb" = "$used_fb" ]; then a=$((max - n)); [ $a -lt 0 ] && a=0
    else a=0
    fi
    cur=; [ -f "$T/available_instances" ] && read -r cur < "$T/available_instances"
    [ "$cur" = "$a" ] && continue
    echo "$a" > "$T/.available_instances.new" && mv -f "$T/.available_instances.new" "$T/available_instances"
  done
done
exit 0
