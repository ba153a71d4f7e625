using System.Text;
using VgpuIac.Engine.Host;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.HostDriver;

/// <summary>
/// Every command <c>vgpu_host_driver</c> runs on a node: argument lists and fixed scripts whose inputs arrive as
/// arguments (never spliced into shell text). Mutating commands are marked so.
/// </summary>
internal static class HostDriverCommands
{
    public const string NouveauBlacklistPath = "/etc/modprobe.d/blacklist-nouveau.conf";
    public const string InstallerLogPath = "/var/log/nvidia-installer.log";

    public static readonly TimeSpan InstallerTimeout = TimeSpan.FromMinutes(30);

    public static RemoteFile NouveauBlacklist { get; } = new()
    {
        Path = NouveauBlacklistPath,
        Content = Encoding.UTF8.GetBytes("# written by VgpuIac (vgpu_host_driver): the NVIDIA host driver needs nouveau off\nblacklist nouveau\noptions nouveau modeset=0\n"),
    };

    public static RemoteCommand AptInstall(IEnumerable<string> packages)
    {
        var command = RemoteCommand.Of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y");
        foreach (var p in packages)
        {
            command = command.WithArgument(p);
        }

        return command.AsMutating().WithTimeout(TimeSpan.FromMinutes(20));
    }

    public static RemoteCommand UpdateInitramfs { get; } = RemoteCommand.Of("update-initramfs", "-u", "-k", "all").AsMutating().WithTimeout(TimeSpan.FromMinutes(10));

    public static RemoteCommand Reboot { get; } = RemoteCommand.Of("reboot").AsMutating();

    /// <summary>Adds kernel arguments ($2, words) to the boot loader's command line ($1 = grub | systemd-boot) and regenerates it.</summary>
    private const string EnableIommuScript = """
        set -eu
        loader=$1 args=$2
        add() { local cur=$1 a; for a in $args; do case " $cur " in *" $a "*) ;; *) cur="${cur:+$cur }$a";; esac; done; printf '%s' "$cur"; }
        case $loader in
          grub)
            f=/etc/default/grub; tmp=$(mktemp "$f.vgpuiac-XXXXXX"); found=0
            while IFS= read -r line || [ -n "$line" ]; do
              case $line in
                GRUB_CMDLINE_LINUX_DEFAULT=*)
                  v=${line#GRUB_CMDLINE_LINUX_DEFAULT=}; v=${v#\"}; v=${v%\"}
                  printf 'GRUB_CMDLINE_LINUX_DEFAULT="%s"\n' "$(add "$v")"; found=1;;
                *) printf '%s\n' "$line";;
              esac
            done < "$f" > "$tmp"
            [ $found = 1 ] || printf 'GRUB_CMDLINE_LINUX_DEFAULT="%s"\n' "$(add "")" >> "$tmp"
            chmod 0644 "$tmp"; mv -f "$tmp" "$f"
            update-grub;;
          systemd-boot)
            f=/etc/kernel/cmdline; cur=$(head -n 1 "$f" 2>/dev/null || true)
            printf '%s\n' "$(add "$cur")" > "$f.vgpuiac-new"; mv -f "$f.vgpuiac-new" "$f"
            proxmox-boot-tool refresh;;
          *) echo "unknown boot loader $loader" >&2; exit 2;;
        esac
        """;

    public static RemoteCommand EnableIommu(BootLoader loader, string arguments) =>
        RemoteCommand.Script(EnableIommuScript, loader == BootLoader.SystemdBoot ? "systemd-boot" : "grub", arguments)
            .AsMutating().WithTimeout(TimeSpan.FromMinutes(5));

    public static string InstallerPath(string remoteFileName) => $"{HostDriverPlanner.InstallerDirectory}/{remoteFileName}";

    /// <summary>Runs the installer: <c>sh &lt;file&gt; [--dkms] -s</c>.</summary>
    public static RemoteCommand Install(string installerPath, bool dkms) =>
        (dkms ? RemoteCommand.Of("sh", installerPath, "--dkms", "-s") : RemoteCommand.Of("sh", installerPath, "-s"))
            .AsMutating().WithTimeout(InstallerTimeout);

    /// <summary>Name of the detached node operation (and its lock) for installs and uninstalls: see <see cref="RemoteOperation"/>.</summary>
    public const string OperationName = "host-driver";

    // $1 installer, $2 marker text, $3 marker path, $4... installer options. The operation itself writes the marker once
    // the installer succeeded, so an install that finishes after the provider is gone still leaves the node readable.
    private const string InstallAndMarkScript = """
        set -u
        f=$1 marker=$2 dest=$3; shift 3
        sh "$f" "$@" || exit $?
        umask 022
        mkdir -p -m 0755 -- "$(dirname -- "$dest")" || exit 1
        printf '%s' "$marker" > "$dest.vgpuiac-new" && chmod 0644 -- "$dest.vgpuiac-new" && mv -f -- "$dest.vgpuiac-new" "$dest"
        """;

    /// <summary>
    /// The installer and, when it succeeds, VgpuIac's marker of what was installed, as one command for a detached
    /// <see cref="RemoteOperation"/>.
    /// </summary>
    public static RemoteCommand InstallAndMark(string installerPath, bool dkms, InstalledDriverMarker marker)
    {
        ArgumentNullException.ThrowIfNull(marker);
        var command = RemoteCommand.Of("bash", "-c", InstallAndMarkScript, "vgpuiac-install", installerPath, marker.Render(), InstalledDriverMarker.FilePath);
        foreach (var a in Install(installerPath, dkms).Arguments.Skip(1))
        {
            command = command.WithArgument(a);
        }

        return command.AsMutating().WithTimeout(InstallerTimeout);
    }

    /// <summary>Uninstalls whatever .run driver is installed: its own nvidia-uninstall, else the staged installer's <c>--uninstall</c>.</summary>
    public static RemoteCommand Uninstall(bool hasUninstaller, string? installerPath) =>
        (hasUninstaller || installerPath is null
            ? RemoteCommand.Of("/usr/bin/nvidia-uninstall", "-s")
            : RemoteCommand.Of("sh", installerPath, "--uninstall", "-s"))
            .AsMutating().WithTimeout(InstallerTimeout);

    public static RemoteCommand StopServices { get; } =
        RemoteCommand.Script("systemctl stop nvidia-vgpu-mgr.service nvidia-vgpud.service 2>/dev/null; exit 0").AsMutating();

    public static RemoteCommand StartServices(bool withDaemon) =>
        (withDaemon
            ? RemoteCommand.Of("systemctl", "enable", "--now", "nvidia-vgpud.service", "nvidia-vgpu-mgr.service")
            : RemoteCommand.Of("systemctl", "enable", "--now", "nvidia-vgpu-mgr.service")).AsMutating();

    /// <summary>Removes VgpuIac's marker, staged installers and the status files of the last install/uninstall operation.</summary>
    public static RemoteCommand RemoveMarkers { get; } =
        RemoteCommand.Of("rm", "-rf", "--", InstalledDriverMarker.FilePath, HostDriverPlanner.InstallerDirectory, $"{RemoteOperation.StateDirectory}/{OperationName}").AsMutating();

    public static RemoteCommand InstallerLogTail { get; } = RemoteCommand.Of("tail", "-n", "60", InstallerLogPath);

    public static RemoteCommand VgpuManagerJournal { get; } =
        RemoteCommand.Script("journalctl -u nvidia-vgpu-mgr.service -u nvidia-vgpud.service -n 30 --no-pager 2>/dev/null; systemctl status nvidia-vgpu-mgr.service --no-pager 2>/dev/null | head -n 15; exit 0");

    /// <summary>The kernel's NVIDIA messages (NVRM, nvidia, nvidia-vgpu-vfio), read-only, for the reasons of a failed verify.</summary>
    public static RemoteCommand NvidiaKernelMessages { get; } =
        RemoteCommand.Script("dmesg 2>/dev/null | grep -E 'NVRM|nvidia' | tail -n 40; exit 0");

    public static RemoteFile Marker(InstalledDriverMarker marker) => new()
    {
        Path = InstalledDriverMarker.FilePath,
        Content = Encoding.UTF8.GetBytes(marker.Render()),
    };

    /// <summary>The reboot marker (in /run, so the reboot itself clears it) listing why a reboot is pending.</summary>
    public static RemoteFile RebootMarker(IEnumerable<string> reasons) => new()
    {
        Path = NodeFactsProbe.RebootMarkerPath,
        Content = Encoding.UTF8.GetBytes(string.Join('\n', reasons.Select(r => r.Replace('\n', ' '))) + "\n"),
    };
}
