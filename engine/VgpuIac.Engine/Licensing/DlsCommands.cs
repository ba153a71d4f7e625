using System.Formats.Tar;
using System.Globalization;
using System.Text;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Licensing;

/// <summary>
/// Every command <c>vgpu_dls_license_server</c> runs on a node: fixed scripts whose inputs arrive as positional arguments
/// ($1, $2, ...; never spliced into the text), secrets only on standard input. <c>run_in</c> runs a command in the LXC
/// (<c>pct exec</c>) or on the Docker host. Mutating commands are marked so. The cert volume is
/// <see cref="DlsLicenseServerSpec.CertDir"/>: VgpuIac's own folder, or the host folder a hand-made container mounts at its
/// cert path (found by <see cref="DlsNodeState.CertSource"/>); it is the fourth argument of every script.
/// </summary>
internal static class DlsCommands
{
    public static readonly TimeSpan HealthWait = TimeSpan.FromSeconds(90);

    private const string Prelude = """
        set -u
        mode=$1; vmid=$2; name=$3; certdir=$4; set -- "$1" "$2" "$3" "${@:5}"
        run_in() { if [ "$mode" = lxc ]; then pct exec "$vmid" -- "$@"; else "$@"; fi; }
        get_file() { # name dest: a file of the cert volume -> a local file on the node
          if [ "$mode" = lxc ]; then pct pull "$vmid" "$certdir/$1" "$2" 2>/dev/null; else cp "$certdir/$1" "$2" 2>/dev/null; fi
        }
        tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

        """;

    /// <summary>The public files of the cert volume that <see cref="Read"/> prints (private keys are never read back).</summary>
    private static readonly string[] PublicFiles =
    [
        DlsKeyMaterial.WebCertificateFile, DlsKeyMaterial.SiCertificateFile, DlsKeyMaterial.RootCertificateFile,
        DlsKeyMaterial.InstancePublicKeyFile, DlsKeyMarker.FileName,
    ];

    /// <summary>Read-only: args mode vmid name certdir files... Prints ### sections for <see cref="DlsNodeState.Parse"/>.</summary>
    private const string ReadScript = Prelude + """
        shift 3
        echo "### ct"
        if [ "$mode" = lxc ]; then
          if ! pct config "$vmid" > "$tmp/config" 2>/dev/null; then echo absent; exit 0; fi
          pct status "$vmid"
          echo "### ctconfig"; cat "$tmp/config"
          pct status "$vmid" | grep -q running || exit 0
        else
          command -v docker >/dev/null 2>&1 || { echo absent; exit 0; }
          docker inspect "$name" >/dev/null 2>&1 || { echo absent; exit 0; }
          echo "status: docker-host"
        fi
        echo "### inspect"; run_in docker inspect "$name" 2>/dev/null
        # name, octal mode, owner uid and gid of every file in the cert volume (private keys included: stat reads no content)
        echo "### modes"; run_in sh -c 'cd "$1" 2>/dev/null && for f in *; do [ -f "$f" ] && [ ! -L "$f" ] && stat -c "%n %a %u %g" "$f"; done; true' _ "$certdir" 2>/dev/null
        for f in "$@"; do
          echo "### file $f"; get_file "$f" "$tmp/f" && cat "$tmp/f" && rm -f "$tmp/f"
        done
        exit 0
        """;

    /// <summary>Creates the LXC with VgpuIac's tag, starts it and installs Docker in it: args mode vmid name template hostname net0 rootfs memory tag.</summary>
    private const string CreateContainerScript = Prelude + """
        template=$4; hostname=$5; net0=$6; rootfs=$7; memory=$8; tag=$9
        pct create "$vmid" "$template" --hostname "$hostname" --unprivileged 1 --features nesting=1,keyctl=1 \
          --net0 "$net0" --rootfs "$rootfs" --memory "$memory" --onboot 1 --tags "$tag" || exit 10
        """;

    /// <summary>Starts the LXC when it is stopped, installs Docker when missing and waits for it: args mode vmid name.</summary>
    private const string StartContainerScript = Prelude + """
        pct status "$vmid" | grep -q running || pct start "$vmid" || exit 11
        # Docker inside the container (a Debian template has none)
        pct exec "$vmid" -- sh -c 'command -v docker >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io; }' || exit 12
        end=$(( $(date +%s) + 60 ))
        until pct exec "$vmid" -- docker info >/dev/null 2>&1; do
          [ "$(date +%s)" -ge "$end" ] && { echo "docker does not answer in container $vmid"; exit 13; }
          sleep 0.5
        done
        """;

    /// <summary>
    /// Places key files into the cert volume, owned by root with each file's mode: args mode vmid name files...
    /// (name:mode pairs, marker last); standard input is a tar of the files. The staging folder lives in /run and is removed
    /// on every exit, failures and signals included; leftovers of an earlier run that was killed are removed first.
    /// </summary>
    private const string InstallKeysScript = Prelude + """
        shift 3
        umask 077
        rm -rf /run/vgpuiac-dls-staging-"$vmid".*
        staging=$(mktemp -d /run/vgpuiac-dls-staging-"$vmid".XXXXXX) || exit 20
        # a Docker host's half-placed file (.NAME.vgpuiac-new in the cert folder) goes with the staging folder, whatever the exit
        trap 'rm -rf "$tmp" "$staging"; [ "$mode" = lxc ] || rm -f "$certdir"/.*.vgpuiac-new' EXIT
        trap 'exit 129' HUP INT TERM
        tar -x -C "$staging" --no-same-owner -f - || { echo "unable to unpack the key files"; exit 20; }
        if [ "$mode" = lxc ]; then
          pct exec "$vmid" -- mkdir -p "$certdir" /opt/fastapi-dls/database || exit 21
        else
          install -d -m 0755 -o root -g root "$certdir" /opt/fastapi-dls/database || exit 21
        fi
        for entry in "$@"; do
          f=${entry%%:*}; perms=${entry#*:}
          if [ "$mode" = lxc ]; then
            pct push "$vmid" "$staging/$f" "$certdir/$f" --perms "$perms" --user 0 --group 0 || exit 22
          else
            install -m "$perms" -o root -g root "$staging/$f" "$certdir/.$f.vgpuiac-new" && mv -f "$certdir/.$f.vgpuiac-new" "$certdir/$f" || exit 22
          fi
        done
        """;

    /// <summary>
    /// Repairs the cert volume in place: args mode vmid name entries..., each <c>fix:file:mode</c> (owner root, that mode; the
    /// content is not touched; a symbolic link is refused, never followed) or <c>rm:file</c> (removed).
    /// </summary>
    private const string RepairKeyFilesScript = Prelude + """
        shift 3
        for entry in "$@"; do
          op=${entry%%:*}; rest=${entry#*:}
          case $op in
            fix) f=${rest%%:*}; perms=${rest#*:}
                 run_in sh -c '[ -f "$1" ] && [ ! -L "$1" ] && chown 0:0 "$1" && chmod "$2" "$1"' _ "$certdir/$f" "$perms" || { echo "unable to set owner root and mode $perms on $certdir/$f"; exit 70; } ;;
            rm)  run_in rm -f "$certdir/$rest" || { echo "unable to remove $certdir/$rest"; exit 71; } ;;
          esac
        done
        """;

    /// <summary>(Re)creates the Docker container: args mode vmid name image port label then KEY=VALUE environment entries.</summary>
    private const string RunContainerScript = Prelude + """
        image=$4; port=$5; label=$6; shift 6
        envs=(); for e in "$@"; do envs+=(-e "$e"); done
        run_in docker rm -f "$name" >/dev/null 2>&1
        run_in docker run -d --name "$name" --restart always --label "$label" "${envs[@]}" -p "$port:443" \
          -v "$certdir:/app/cert" -v /opt/fastapi-dls/database:/app/database "$image" || exit 30
        """;

    /// <summary>Waits until /-/health answers over TLS pinned to the given certificate: args mode vmid name url port seconds certificate-pem.</summary>
    private const string WaitHealthyScript = Prelude + """
        url=$4; port=$5; seconds=$6; printf '%s' "$7" > "$tmp/cert.pem"
        end=$(( $(date +%s) + seconds ))
        while :; do
          out=$(curl -sS --max-time 3 --cacert "$tmp/cert.pem" "https://$url:$port/-/health" 2>&1) && { echo "$out"; exit 0; }
          case $? in 51|60) echo "the server at $url:$port presents a certificate other than the pinned one: $out"; exit 42;; esac
          [ "$(date +%s)" -ge "$end" ] && break
          sleep 0.5
        done
        echo "last answer: $out"
        echo "--- docker logs (last 20 lines)"; run_in docker logs "$name" 2>&1 | tail -n 20
        exit 41
        """;

    /// <summary>Prints a client configuration token fetched over TLS pinned to the given certificate: args mode vmid name url port certificate-pem.</summary>
    private const string FetchTokenScript = Prelude + """
        url=$4; port=$5; printf '%s' "$6" > "$tmp/cert.pem"
        curl -fsS --max-time 15 --cacert "$tmp/cert.pem" "https://$url:$port/-/client-token" || exit 51
        """;

    /// <summary>Removes everything the resource created: args mode vmid name.</summary>
    private const string DestroyScript = Prelude + """
        if [ "$mode" = lxc ]; then
          pct config "$vmid" >/dev/null 2>&1 || exit 0
          if pct status "$vmid" | grep -q running; then pct stop "$vmid" || exit 60; fi
          pct destroy "$vmid" --purge || exit 61
        else
          docker rm -f "$name" >/dev/null 2>&1
          # VgpuIac's own folder goes; a folder the user made (a hand-made server's) keeps all but the key files
          if [ "$certdir" = /opt/fastapi-dls/cert ]; then rm -rf "$certdir"; else shift 3; for f in "$@"; do rm -f "$certdir/$f"; done; fi
        fi
        """;

    public static RemoteCommand Read(DlsLicenseServerSpec spec) => RemoteCommand.Script(ReadScript, [.. Target(spec), .. PublicFiles]);

    public static RemoteCommand CreateContainer(DlsLicenseServerSpec spec)
    {
        var net0 = $"name=eth0,bridge={spec.Bridge},ip={spec.IpAddress}" + (spec.Gateway is null ? string.Empty : $",gw={spec.Gateway}");
        var rootfs = $"{spec.Storage}:{spec.DiskSizeGb.ToString(CultureInfo.InvariantCulture)}";
        return RemoteCommand.Script(CreateContainerScript,
                [.. Target(spec), spec.Template, spec.Hostname, net0, rootfs, spec.MemoryMb.ToString(CultureInfo.InvariantCulture), DlsLicenseServerSpec.OwnerTag])
            .AsMutating().WithTimeout(TimeSpan.FromMinutes(10));
    }

    public static RemoteCommand StartContainer(DlsLicenseServerSpec spec) =>
        RemoteCommand.Script(StartContainerScript, Target(spec)).AsMutating().WithTimeout(TimeSpan.FromMinutes(15));

    /// <summary>Installs <paramref name="files"/> and then the marker; the files travel as a tar on standard input (secret).</summary>
    public static RemoteCommand InstallKeys(DlsLicenseServerSpec spec, IReadOnlyList<DlsKeyFile> files, DlsKeyMarker marker)
    {
        DlsKeyFile[] all = [.. files, new DlsKeyFile(DlsKeyMarker.FileName, marker.Render(), Secret: false)];
        using var buffer = new MemoryStream();
        using (var tar = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var f in all)
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, f.Name)
                {
                    Mode = (UnixFileMode)f.Mode,
                    DataStream = new MemoryStream(Encoding.ASCII.GetBytes(f.Content)),
                };
                tar.WriteEntry(entry);
            }
        }

        string[] args = [.. Target(spec), .. all.Select(f => $"{f.Name}:{f.ModeText}")];
        return new RemoteCommand { Program = "bash", Arguments = ["-c", InstallKeysScript, "vgpuiac-dls", .. args] }
            .WithInput(buffer.ToArray(), sensitive: true)
            .AsMutating()
            .WithTimeout(TimeSpan.FromMinutes(2));
    }

    /// <summary>Sets owner root and the wanted mode on the files of <paramref name="repairs"/>, or removes them (<see cref="DlsKeyFileRepair.Remove"/>).</summary>
    public static RemoteCommand RepairKeyFiles(DlsLicenseServerSpec spec, IEnumerable<DlsKeyFileRepair> repairs) =>
        RemoteCommand.Script(RepairKeyFilesScript, [.. Target(spec), .. repairs.Select(r => r.Remove ? $"rm:{r.Name}" : $"fix:{r.Name}:{r.WantedMode}")])
            .AsMutating();

    public static RemoteCommand RunContainer(DlsLicenseServerSpec spec) =>
        RemoteCommand.Script(RunContainerScript,
                [.. Target(spec), spec.Image, spec.DlsPort.ToString(CultureInfo.InvariantCulture), $"{DlsLicenseServerSpec.OwnerLabel}=true", .. spec.Environment])
            .AsMutating().WithTimeout(TimeSpan.FromMinutes(10));

    public static RemoteCommand WaitHealthy(DlsLicenseServerSpec spec, string certificatePem) =>
        RemoteCommand.Script(WaitHealthyScript,
                [.. Target(spec), spec.DlsUrl, spec.DlsPort.ToString(CultureInfo.InvariantCulture), ((int)HealthWait.TotalSeconds).ToString(CultureInfo.InvariantCulture), certificatePem])
            .WithTimeout(HealthWait + TimeSpan.FromSeconds(30));

    public static RemoteCommand FetchToken(DlsLicenseServerSpec spec, string certificatePem) =>
        RemoteCommand.Script(FetchTokenScript, [.. Target(spec), spec.DlsUrl, spec.DlsPort.ToString(CultureInfo.InvariantCulture), certificatePem]);

    public static RemoteCommand Destroy(DlsLicenseServerSpec spec) =>
        RemoteCommand.Script(DestroyScript,
            [.. Target(spec), .. DlsKeyFileModes.PrivateKeyFiles.Union(DlsKeyFileModes.PublicFiles).Order(StringComparer.Ordinal), DlsKeyMarker.FileName]).AsMutating();

    private static string[] Target(DlsLicenseServerSpec spec) =>
        [spec.Hosting, (spec.Vmid ?? 0).ToString(CultureInfo.InvariantCulture), DlsLicenseServerSpec.ContainerName, spec.CertDir];
}
