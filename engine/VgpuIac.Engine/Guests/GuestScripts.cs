namespace VgpuIac.Engine.Guests;

/// <summary>Fixed scripts for the node and the guest; user input arrives only as positional arguments.</summary>
internal static class GuestScripts
{
    /// <summary>
    /// Runs inside a Linux guest (sh -c): prints key=value facts about nouveau and the token; then the guest's IPv4
    /// addresses as <c>ip -o -4 addr show</c> prints them (the one-line layout of every iproute2 and busybox <c>ip</c>)
    /// after a <see cref="GuestAddresses.IpMarker"/> line, or a <see cref="GuestAddresses.IpUnavailable"/> line when the
    /// guest has no <c>ip</c> or it failed; then <c>nvidia-smi -q</c> after a <c>--- nvidia-smi -q</c> line (read by the
    /// same parser as a Windows guest's nvidia-smi.exe -q), whose "Driver Version" is the guest's driver version:
    /// nvidia-smi runs once per read (without the persistence daemon each run initialises the GPU, up to a second in a
    /// vGPU guest). The addresses are here so that a read through the agent is one <c>qm</c> on the node (on a real node
    /// each <c>qm</c> is a ~0.3 s Perl process): the agent's <c>network-get-interfaces</c> is asked only when the marker
    /// line is missing from the answer. Over SSH (guest_ssh) the addresses still come from the agent, as they do for
    /// Windows guests.
    /// </summary>
    public const string GuestProbe = $$"""
        if lsmod 2>/dev/null | grep -q '^nouveau '; then echo nouveau_loaded=1; else echo nouveau_loaded=0; fi
        if grep -qs '^[[:space:]]*blacklist[[:space:]][[:space:]]*nouveau' /etc/modprobe.d/*.conf; then echo nouveau_blacklisted=1; else echo nouveau_blacklisted=0; fi
        t=/etc/nvidia/ClientConfigToken/client_configuration_token_vgpuiac.tok
        [ -f "$t" ] && echo "token_sha256=$(sha256sum "$t" | cut -d' ' -f1)"
        if a=$(ip -o -4 addr show 2>/dev/null); then echo "{{GuestAddresses.IpMarker}}"; printf '%s\n' "$a"; else echo "{{GuestAddresses.IpUnavailable}}"; fi
        echo "--- nvidia-smi -q"; nvidia-smi -q 2>/dev/null || true
        """;

    /// <summary>
    /// Read-only, on the node: args vmid setup probe windows-nvidia-smi windows-token. setup is <c>agent</c> (Linux guest:
    /// the probe runs under sh and lists the guest's addresses itself, so the agent's <c>network-get-interfaces</c> is
    /// asked only when the guest's <c>ip</c> is missing or failed, as in <see cref="GuestRead.AgentScript"/>),
    /// <c>agent-windows</c> (Windows guest: nvidia-smi.exe -q and certutil's SHA-256 of the token, each its own agent exec,
    /// then the agent's addresses), <c>net</c> (the guest is read over SSH: only the agent's addresses) or <c>none</c>.
    /// Prints ### sections for <see cref="GuestNodeState.Parse"/>.
    /// </summary>
    public const string Read = $$"""
        set -u
        vmid=$1; setup=$2; probe=$3; winsmi=${4:-}; wintoken=${5:-}
        echo "### config"
        if ! qm config "$vmid" 2>/dev/null; then echo "### absent"; exit 0; fi
        echo "### status"; qm status "$vmid"
        if [ "$setup" != none ] && qm status "$vmid" | grep -q running && qm agent "$vmid" ping >/dev/null 2>&1; then
          out=
          if [ "$setup" = agent-windows ]; then
            echo "### guest-windows-smi"; qm guest exec "$vmid" -- "$winsmi" -q 2>&1
            echo "### guest-windows-token"; qm guest exec "$vmid" -- certutil.exe -hashfile "$wintoken" SHA256 2>&1
          elif [ "$setup" = agent ]; then
            out=$(qm guest exec "$vmid" -- sh -c "$probe" 2>&1)
            echo "### guest"; printf '%s\n' "$out"
          fi
          case $out in
            *'{{GuestAddresses.IpMarker}}'*) ;;
            *) echo "### net"; qm agent "$vmid" network-get-interfaces 2>/dev/null;;
          esac
        fi
        echo "### end"
        """;

    /// <summary>Waits for the guest agent: args vmid seconds.</summary>
    public const string WaitAgent = """
        vmid=$1; end=$(( $(date +%s) + $2 ))
        until qm agent "$vmid" ping >/dev/null 2>&1; do
          [ "$(date +%s)" -ge "$end" ] && { echo "the QEMU guest agent of VM $vmid did not answer within $2 s" >&2; exit 1; }
          sleep 1
        done
        """;

    /// <summary>
    /// Copies a file from the node into a Linux guest through the agent: args vmid node-file guest-file. PVE passes at
    /// most 1 MiB of stdin per <c>qm guest exec</c> ("'input-data' (STDIN) is limited to 1 MiB"), so the file goes in
    /// 1 MiB pieces appended to guest-file.part, renamed at the end; prints the last exec's JSON (or the failing one's).
    /// </summary>
    public const string CopyIntoGuest = """
        vmid=$1; src=$2; dst=$3; piece=1048576
        n=$(( ($(stat -c %s "$src") + piece - 1) / piece )); [ "$n" -ge 1 ] || n=1
        i=0
        while [ "$i" -lt "$n" ]; do
          if [ "$i" = 0 ]; then write='umask 077; cat > "$1.part"'; else write='cat >> "$1.part"'; fi
          out=$(dd if="$src" bs="$piece" skip="$i" count=1 iflag=fullblock status=none | qm guest exec "$vmid" --pass-stdin 1 --timeout 600 -- sh -c "$write" _ "$dst") || { printf '%s\n' "$out"; exit 1; }
          case $out in *'"exitcode" : 0,'*) ;; *) printf '%s\n' "$out"; exit 1;; esac
          i=$((i + 1))
        done
        qm guest exec "$vmid" -- sh -c 'mv -f "$1.part" "$1"' _ "$dst"
        """;

    /// <summary>Inside the guest: blacklist nouveau and rebuild the initramfs (sh -c).</summary>
    public const string BlacklistNouveau = """
        printf 'blacklist nouveau\noptions nouveau modeset=0\n' > /etc/modprobe.d/blacklist-nouveau.conf && update-initramfs -u
        """;

    /// <summary>
    /// Inside the guest: download the driver installer and check it (sh -c _ sha256 path, the URL as the first line of
    /// standard input). The URL is never an argument: `ps` in the guest and the node's `qm guest exec` arguments would show
    /// a presigned URL's token. curl reads it from its config on stdin (quotes and backslashes escaped, so nothing in it
    /// can add an option), wget from its input file on stdin.
    /// </summary>
    public const string DownloadDriver = """
        sum=$1; out=$2
        IFS= read -r url || [ -n "$url" ] || { echo "no URL on standard input" >&2; exit 20; }
        rm -f "$out.part"
        if command -v curl >/dev/null 2>&1; then
          esc=$(printf '%s' "$url" | sed 's/\\/\\\\/g; s/"/\\"/g')
          printf 'url = "%s"\n' "$esc" | curl -fsSL --proto '=https,http' -o "$out.part" --config - || exit 20
        else printf '%s\n' "$url" | wget -q -O "$out.part" -i - || exit 20; fi
        echo "$sum  $out.part" | sha256sum -c --status || { rm -f "$out.part"; echo "checksum mismatch: got $(sha256sum "$out.part" 2>/dev/null | cut -d' ' -f1)" >&2; exit 21; }
        mv -f "$out.part" "$out"
        """;

    /// <summary>Inside the guest: check the installer's checksum and run it (sh -c _ path sha256).</summary>
    public const string InstallDriver = """
        f=$1; sum=$2
        echo "$sum  $f" | sha256sum -c --status || { echo "the installer in the guest does not match guest_driver_sha256" >&2; exit 21; }
        sh "$f" --dkms -s; rc=$?
        rm -f "$f"
        exit $rc
        """;

    /// <summary>Inside the guest: install the token (stdin) 0600, set FeatureType, restart nvidia-gridd (sh -c).</summary>
    public const string InstallToken = """
        umask 077
        mkdir -p /etc/nvidia/ClientConfigToken
        t=/etc/nvidia/ClientConfigToken/client_configuration_token_vgpuiac.tok
        cat > "$t.new" && chmod 600 "$t.new" && mv -f "$t.new" "$t" || exit 30
        if [ ! -f /etc/nvidia/gridd.conf ]; then
          if [ -f /etc/nvidia/gridd.conf.template ]; then sed 's/^FeatureType=.*/FeatureType=1/' /etc/nvidia/gridd.conf.template > /etc/nvidia/gridd.conf; fi
          grep -q '^FeatureType=' /etc/nvidia/gridd.conf 2>/dev/null || echo 'FeatureType=1' >> /etc/nvidia/gridd.conf
        fi
        systemctl restart nvidia-gridd || exit 31
        """;

    /// <summary>Inside the guest: the licence status line and the last gridd log lines.</summary>
    public const string LicenseLog = """
        journalctl -u nvidia-gridd -n 15 --no-pager 2>/dev/null
        """;

    /// <summary>Where a Windows guest's driver installer is staged (copied or downloaded, checked, run, deleted).</summary>
    public const string WindowsDriverPath = @"C:\Windows\Temp\vgpuiac\nvidia-grid-driver.exe";

    /// <summary>NVIDIA's token folder in Windows guests; the token has the same name as in Linux guests.</summary>
    public const string WindowsTokenPath = @"C:\Program Files\NVIDIA Corporation\vGPU Licensing\ClientConfigToken\client_configuration_token_vgpuiac.tok";

    /// <summary>nvidia-smi of Windows guest drivers (recent drivers put it in System32, not in NVSMI).</summary>
    public const string WindowsNvidiaSmi = @"C:\Windows\System32\nvidia-smi.exe";

    /// <summary>Where the Windows licensing client (NVDisplay.Container) logs its licence events.</summary>
    public const string WindowsLicensingLog = @"C:\Users\Public\Documents\NvidiaLogging\Log.NVDisplay.Container.exe.log";

    /// <summary>The Windows service that holds the licence ("NVIDIA Display Container LS").</summary>
    public const string WindowsLicensingService = "NVDisplay.ContainerLocalSystem";

    /// <summary>Only SYSTEM and Administrators (by SID, which do not depend on the Windows language) may read the token.</summary>
    public static readonly string[] WindowsTokenAcl = ["/inheritance:r", "/grant:r", "*S-1-5-18:F", "*S-1-5-32-544:F"];

    /// <summary>powershell.exe options before <c>-Command</c>; the commands are fixed texts without user input.</summary>
    public static readonly string[] PowerShell = ["-NoProfile", "-NonInteractive", "-Command"];

    /// <summary>Inside a Windows guest (PowerShell): stdin into the staged installer path.</summary>
    public const string WindowsStageInstaller =
        "$ErrorActionPreference = 'Stop'; New-Item -ItemType Directory -Force -Path 'C:\\Windows\\Temp\\vgpuiac' | Out-Null; " +
        "$in = [Console]::OpenStandardInput(); $out = [IO.File]::Create('" + WindowsDriverPath + "'); $in.CopyTo($out); $out.Close()";

    /// <summary>Inside a Windows guest (PowerShell): stdin (the token) into <see cref="WindowsTokenPath"/>.new.</summary>
    public const string WindowsWriteToken =
        "$ErrorActionPreference = 'Stop'; New-Item -ItemType Directory -Force -Path 'C:\\Program Files\\NVIDIA Corporation\\vGPU Licensing\\ClientConfigToken' | Out-Null; " +
        "$in = [Console]::OpenStandardInput(); $out = [IO.File]::Create('" + WindowsTokenPath + ".new'); $in.CopyTo($out); $out.Close()";

    /// <summary>Inside a Windows guest (PowerShell): the restricted .new token replaces the token (the ACL moves with it).</summary>
    public const string WindowsPlaceToken =
        "$ErrorActionPreference = 'Stop'; Move-Item -Force -LiteralPath '" + WindowsTokenPath + ".new' -Destination '" + WindowsTokenPath + "'";

    /// <summary>Inside a Windows guest (PowerShell): stdin appended to the staged installer (its later 1 MiB pieces).</summary>
    public const string WindowsAppendInstaller =
        "$ErrorActionPreference = 'Stop'; $in = [Console]::OpenStandardInput(); $out = [IO.File]::Open('" + WindowsDriverPath + "', 'Append', 'Write'); $in.CopyTo($out); $out.Close()";

    /// <summary>
    /// On the node: copies a file into a Windows guest through the agent, in 1 MiB pieces of stdin (PVE's limit):
    /// args vmid node-file first-piece-command next-pieces-command (fixed PowerShell texts). Prints the last exec's JSON.
    /// </summary>
    public const string CopyIntoWindowsGuest = """
        vmid=$1; src=$2; first=$3; next=$4; piece=1048576
        n=$(( ($(stat -c %s "$src") + piece - 1) / piece )); [ "$n" -ge 1 ] || n=1
        i=0
        while [ "$i" -lt "$n" ]; do
          if [ "$i" = 0 ]; then command=$first; else command=$next; fi
          out=$(dd if="$src" bs="$piece" skip="$i" count=1 iflag=fullblock status=none | qm guest exec "$vmid" --pass-stdin 1 --timeout 600 -- powershell.exe -NoProfile -NonInteractive -Command "$command") || { printf '%s\n' "$out"; exit 1; }
          case $out in *'"exitcode" : 0,'*) ;; *) printf '%s\n' "$out"; exit 1;; esac
          i=$((i + 1))
        done
        printf '%s\n' "$out"
        """;
}
