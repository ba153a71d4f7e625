using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Host;

/// <summary>
/// The node facts probe: ONE fixed, read-only bash script that prints every fact a refresh needs as sections
/// (<c>### name rc=N</c> then the output; file contents base64-encoded so nothing inside can fake a section), and a
/// pure parser (<see cref="NodeFactsParser"/>) that turns the text into <see cref="NodeFacts"/>.
/// Missing tools yield rc=127 and empty sections, never a failure of the whole probe.
/// </summary>
internal static class NodeFactsProbe
{
    /// <summary>Bumped when the script's output changes shape.</summary>
    public const int ScriptVersion = 5;

    /// <summary>Where VgpuIac marks that a change waits for a reboot. In /run, so the reboot itself clears it.</summary>
    public const string RebootMarkerPath = "/run/vgpu-iac/reboot-required";

    /// <summary>The probe script (no arguments; read-only).</summary>
    public const string Script = """
        export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        sec() { local n=$1; shift; local o r; o=$("$@" 2>/dev/null); r=$?; printf '### %s rc=%d\n' "$n" "$r"; [ -n "$o" ] && printf '%s\n' "$o"; return 0; }
        sec2() { local n=$1; shift; local o r; o=$("$@" 2>&1); r=$?; printf '### %s rc=%d\n' "$n" "$r"; [ -n "$o" ] && printf '%s\n' "$o"; return 0; }
        fileb64() { if [ -r "$2" ]; then printf '### %s rc=0\n' "$1"; base64 -w0 < "$2"; echo; else printf '### %s rc=1\n' "$1"; fi; }
        pci_sysfs() {
          local d v l p
          for d in /sys/bus/pci/devices/*; do
            [ -r "$d/vendor" ] || continue
            read -r v < "$d/vendor"
            [ "$v" = 0x10de ] || continue
            l=$(readlink "$d/driver" 2>/dev/null); p=$(readlink "$d/physfn" 2>/dev/null)
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${d##*/}" "$v" "$(cat "$d/device" 2>/dev/null)" \
              "$(cat "$d/subsystem_vendor" 2>/dev/null)" "$(cat "$d/subsystem_device" 2>/dev/null)" "$(cat "$d/class" 2>/dev/null)" \
              "${l##*/}" "${p##*/}" "$(cat "$d/sriov_totalvfs" 2>/dev/null)"
          done
        }
        sriov_types() {
          local f vf
          for f in /sys/bus/pci/devices/*/nvidia/creatable_vgpu_types; do
            [ -r "$f" ] || continue
            vf=${f%/nvidia/creatable_vgpu_types}
            printf '@@ %s %s\n' "${vf##*/}" "$(cat "$vf/nvidia/current_vgpu_type" 2>/dev/null)"
            cat "$f"
          done
        }
        # no process per mdev or per VM: the shell's own cd -P resolves the links, one awk reads every config
        mdev_devices() {
          local d t p here=$PWD
          for d in /sys/bus/mdev/devices/*; do
            [ -e "$d" ] || continue
            t=; p=
            cd -P "$d/mdev_type" 2>/dev/null && t=$PWD
            cd -P "$d/.." 2>/dev/null && p=$PWD
            printf '%s\t%s\t%s\n' "${d##*/}" "${p##*/}" "${t##*/}"
          done
          cd "$here" 2>/dev/null || cd /
        }
        vm_hostpci() {
          local f fs=()
          for f in /etc/pve/qemu-server/*.conf; do [ -r "$f" ] && fs+=("$f"); done
          [ ${#fs[@]} -gt 0 ] || return 0
          awk 'FNR == 1 { id = FILENAME; sub(/.*\//, "", id); sub(/\.conf$/, "", id); main = 1 }
               /^\[/ { main = 0 } main && /^hostpci[0-9]+:/ { print id "\t" $0 }' "${fs[@]}"
        }
        blacklist() { grep -lsE '^[[:space:]]*blacklist[[:space:]]+nouveau([[:space:]]|$)' /etc/modprobe.d/*.conf /lib/modprobe.d/*.conf /usr/lib/modprobe.d/*.conf; }
        driver_files() { local f; for f in /usr/bin/nvidia-vgpu-mgr /usr/bin/nvidia-vgpud /usr/bin/nvidia-uninstall /usr/bin/nvidia-smi; do [ -e "$f" ] && echo "$f"; done; return 0; }
        reboot_markers() {
          [ -e /run/reboot-required ] && echo "debian: /run/reboot-required"
          [ -r /run/vgpu-iac/reboot-required ] && sed 's/^/vgpu-iac: /' /run/vgpu-iac/reboot-required
          return 0
        }
        host_driver_file_modes() {
          local f
          for f in /var/lib/vgpu-iac/host-driver.env /var/lib/vgpu-iac/installers/*; do
            [ -f "$f" ] && printf '%s\t%s\n' "$f" "$(stat -L -c '%a %u %g' -- "$f")"
          done
          f=/etc/modprobe.d/blacklist-nouveau.conf
          [ -f "$f" ] && head -n 1 -- "$f" | grep -q '^# written by VgpuIac' && printf '%s\t%s\n' "$f" "$(stat -L -c '%a %u %g' -- "$f")"
          return 0
        }
        boot_mode() { [ -d /sys/firmware/efi ] && echo efi || echo bios; [ -e /etc/kernel/proxmox-boot-uuids ] && echo proxmox-boot-uuids; return 0; }
        cpu_vendor() { grep -m1 -E '^vendor_id' /proc/cpuinfo; }
        iommu_groups() { local n=0 g; for g in /sys/kernel/iommu_groups/*; do [ -e "$g" ] && n=$((n+1)); done; echo "$n"; }
        dmesg_iommu() { dmesg 2>/dev/null | grep -E 'DMAR|IOMMU|AMD-Vi' | head -n 20; }
        lib_sha() { [ -r /opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so ] && sha256sum /opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so; }
        unit() { systemctl show -p LoadState -p ActiveState -p SubState -p UnitFileState -p Environment -p DropInPaths "$1"; }
        """ + "\n" + VmSnapshotProbe.Function + """

        # The slow tools (a Perl qm, nvidia-smi waiting on the driver, dpkg's database) run at once from the start;
        # their sections are printed in place, when the probe reaches them.
        exec 3< <(o=$(qm list 2>/dev/null); r=$?; printf '%s\n' "$r"; [ -n "$o" ] && printf '%s\n' "$o")
        exec 4< <(sec2 nvidia-smi nvidia-smi --query-gpu=driver_version --format=csv,noheader)
        exec 5< <(sec packages dpkg-query -W -f '${db:Status-Abbrev}\t${Package}\t${Version}\n' 'proxmox-kernel-*' 'pve-kernel-*' 'proxmox-headers-*' 'pve-headers-*' build-essential dkms mdevctl pve-nvidia-vgpu-helper)
        echo "### probe rc=0"
        echo "version=1"
        sec hostname hostname
        sec pveversion pveversion
        sec uname uname -r
        sec kernel-list proxmox-boot-tool kernel list
        cat <&5
        sec proc-cmdline cat /proc/cmdline
        fileb64 etc-kernel-cmdline /etc/kernel/cmdline
        sec grub grep -E '^GRUB_CMDLINE_LINUX(_DEFAULT)?=' /etc/default/grub
        sec boot-mode boot_mode
        sec cpu cpu_vendor
        sec iommu-class ls -1 /sys/class/iommu
        sec iommu-groups iommu_groups
        sec dmesg-iommu dmesg_iommu
        sec2 secure-boot mokutil --sb-state
        sec lspci lspci -nnk -d 10de:
        sec pci-sysfs pci_sysfs
        sec sriov-types sriov_types
        sec nouveau-blacklist blacklist
        sec lsmod lsmod
        cat <&4
        sec module-version cat /sys/module/nvidia/version
        sec dkms dkms status
        sec driver-files driver_files
        fileb64 driver-marker /var/lib/vgpu-iac/host-driver.env
        sec host-driver-file-modes host_driver_file_modes
        sec unit-vgpud unit nvidia-vgpud.service
        sec unit-vgpu-mgr unit nvidia-vgpu-mgr.service
        sec2 mdev-types mdevctl types --dumpjson
        sec mdev-devices mdev_devices
        { read -r qmrc; qmlist=$(cat); } <&3
        printf '### qm-list rc=%d\n' "$qmrc"; [ -n "$qmlist" ] && printf '%s\n' "$qmlist"
        sec vm-hostpci vm_hostpci
        sec reboot-markers reboot_markers
        fileb64 dropin-vgpud /etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock.conf
        fileb64 dropin-vgpu-mgr /etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf
        fileb64 unlock-config /etc/vgpu_unlock/config.toml
        sec unlock-library lib_sha
        fileb64 profile-override /etc/vgpu_unlock/profile_override.toml
        echo "### vm-snapshot rc=0"
        vm_snapshot "$qmrc" "$qmlist"
        echo "### end rc=0"
        """;

    /// <summary>
    /// The running vGPUs (<c>nvidia-smi vgpu -q</c>), asked only by the <c>vgpu_node</c> data source (<see cref="NodeFactsCache.WithRunningVgpusAsync"/>):
    /// no resource reads them, and the listing costs one query per vGPU (0.7 s of CPU for 20 vGPUs on the simulated node), so the
    /// probe that every plan runs leaves it out. Read-only; prints the section <c>### nvidia-smi-vgpu rc=N</c>.
    /// </summary>
    public const string RunningVgpusScript = """
        export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        o=$(nvidia-smi vgpu -q 2>/dev/null); r=$?
        printf '### nvidia-smi-vgpu rc=%d\n' "$r"; [ -n "$o" ] && printf '%s\n' "$o"
        echo "### end rc=0"
        """;

    /// <summary>The read-only command that lists the running vGPUs (<see cref="RunningVgpusScript"/>).</summary>
    public static RemoteCommand RunningVgpusCommand { get; } = RemoteCommand.Script(RunningVgpusScript).WithTimeout(TimeSpan.FromSeconds(60));

    /// <summary>The read-only command that runs the probe.</summary>
    public static RemoteCommand Command { get; } = RemoteCommand.Script(Script).WithTimeout(TimeSpan.FromSeconds(60));

    /// <summary>Runs the probe on <paramref name="shell"/> (one round trip) and parses the output.</summary>
    public static async Task<NodeFacts> RunAsync(IRemoteShell shell, CancellationToken cancellationToken) =>
        (await RunWithSnapshotAsync(shell, cancellationToken).ConfigureAwait(false)).Facts;

    /// <summary>
    /// Runs the probe (one round trip) and parses both what it says about the node and its VM snapshot section
    /// (<see cref="VmSnapshotProbe.Function"/>); the snapshot is null when that section is missing or was cut.
    /// </summary>
    public static async Task<(NodeFacts Facts, VmSnapshot? Snapshot)> RunWithSnapshotAsync(IRemoteShell shell, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var result = await shell.RunAsync(Command, cancellationToken).ConfigureAwait(false);
        var facts = NodeFactsParser.Parse(shell.NodeName, result.StandardOutput);
        if (!result.Succeeded)
        {
            facts = facts with { ProbeWarnings = facts.ProbeWarnings.Add($"probe exited with {result.ExitCode}: {Tail(result.StandardError)}") };
        }

        return (facts, result.Succeeded ? Snapshot(shell.NodeName, result.StandardOutput) : null);
    }

    /// <summary>The VM snapshot in the probe's output: the lines between <c>### vm-snapshot</c> and the next section; null unless complete.</summary>
    public static VmSnapshot? Snapshot(string nodeName, string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        const string Start = "\n### vm-snapshot rc=0\n";
        var from = output.IndexOf(Start, StringComparison.Ordinal);
        if (from < 0)
        {
            return null;
        }

        from += Start.Length;
        var to = output.IndexOf("\n###", from - 1, StringComparison.Ordinal);
        var snapshot = VmSnapshotProbe.Parse(nodeName, to < 0 ? output[from..] : output[from..(to + 1)]);
        return snapshot.Complete ? snapshot : null;
    }

    private static string Tail(string text) => text.Length <= 400 ? text.Trim() : text[^400..].Trim();
}
