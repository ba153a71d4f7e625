using System.Security.Cryptography;

namespace VgpuIac.NodeSim;

/// <summary>
/// Builds a small stand-in for NVIDIA's GRID guest driver installer (<c>NVIDIA-Linux-x86_64-&lt;ver&gt;-grid.run</c>) for
/// simulated Linux guests. It honours <c>--dkms</c>, <c>-s</c>/<c>--silent</c> and <c>--uninstall</c>, fails as the real
/// one does while nouveau is loaded, and on success installs the driver, the nvidia-gridd unit and the token folder.
/// </summary>
public static class FakeGuestDriver
{
    public static string FileName(string version) => $"NVIDIA-Linux-x86_64-{version}-grid.run";

    /// <summary>Writes the installer to <paramref name="path"/> (mode 0755) and returns its SHA-256 (hex). With
    /// <paramref name="sizeBytes"/> the file is padded (comment lines after the script's end) to that size, like a real
    /// package's payload, e.g. to exercise copies larger than one <c>qm guest exec</c> stdin (1 MiB).</summary>
    public static string Write(string path, string version, int sizeBytes = 0)
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(version, @"^[0-9]+\.[0-9]+(\.[0-9]+)?$"))
        {
            throw new ArgumentException($"not a driver version: {version}", nameof(version));
        }

        File.WriteAllText(path, FakeWindowsGuestDriver.Padded(Script.Replace("@VERSION@", version, StringComparison.Ordinal), sizeBytes));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
    }

    private const string Script = """
        #!/bin/bash
        # NVIDIA GRID guest driver @VERSION@ (simulated: a stand-in for the vGPU guest .run installer)
        VER=@VERSION@
        LOG=/var/log/nvidia-installer.log
        silent=0 uninstall=0 dkms=0
        for a in "$@"; do case $a in -s|--silent) silent=1;; --uninstall) uninstall=1;; --dkms) dkms=1;; --version|-v) echo "$VER"; exit 0;; esac; done
        echo "nvidia-installer log file '$LOG'" > "$LOG"
        echo "creation time: $(date)" >> "$LOG"
        echo "installer version: $VER" >> "$LOG"
        if [ $uninstall = 1 ]; then
          rm -f /var/lib/nodesim/guest/driver_version /etc/systemd/system/nvidia-gridd.service /run/nodesim/modules/nvidia
          rm -rf /var/lib/dkms/nvidia
          echo "-> Uninstallation of existing driver: NVIDIA Accelerated Graphics Driver for Linux-x86_64 ($VER) is complete." | tee -a "$LOG"
          exit 0
        fi
        echo "Verifying archive integrity... OK"
        echo "Uncompressing NVIDIA Accelerated Graphics Driver for Linux-x86_64 $VER......"
        if [ -e /run/nodesim/modules/nouveau ]; then
          cat <<'ERR' | tee -a "$LOG" >&2

        ERROR: The Nouveau kernel driver is currently in use by your system.  This
               driver is incompatible with the NVIDIA driver, and must be disabled
               before proceeding.  Please consult the NVIDIA driver README and your
               Linux distribution's documentation for details on how to correctly
               disable the Nouveau kernel driver.

        ERROR: Installation has failed.  Please see the file '/var/log/nvidia-installer.log' for details.  You
               may find suggestions on fixing installation problems in the README available on the Linux
               driver download page at www.nvidia.com.
        ERR
          exit 1
        fi
        mkdir -p /var/lib/nodesim/guest /etc/nvidia/ClientConfigToken /etc/systemd/system /var/lib/nvidia-gridd
        [ $dkms = 1 ] && mkdir -p "/var/lib/dkms/nvidia/$VER"
        cat > /etc/systemd/system/nvidia-gridd.service <<'UNIT'
        [Unit]
        Description=NVIDIA Grid Daemon
        Wants=syslog.target network-online.target
        After=network-online.target

        [Service]
        Type=forking
        ExecStart=/opt/guestsim/bin/nvidia-gridd --lease
        ExecStopPost=/bin/rm -rf /var/run/nvidia-gridd

        [Install]
        WantedBy=multi-user.target
        UNIT
        printf '# /etc/nvidia/gridd.conf.template\n# FeatureType=1 (NVIDIA vGPU: the licence follows the vGPU type)\nFeatureType=0\n' > /etc/nvidia/gridd.conf.template
        echo "$VER" > /var/lib/nodesim/guest/driver_version
        touch /run/nodesim/modules/nvidia
        systemctl enable nvidia-gridd >/dev/null 2>&1
        echo "-> Installation of the kernel module for the NVIDIA Accelerated Graphics Driver for Linux-x86_64 (version $VER) is now complete." | tee -a "$LOG"
        exit 0
        """;
}
