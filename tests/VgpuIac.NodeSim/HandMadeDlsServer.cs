using System.Globalization;

namespace VgpuIac.NodeSim;

/// <summary>
/// A FastAPI-DLS licence server made by hand on a simulated node, the way the tutorial and the FastAPI-DLS README do it:
/// <c>pct create</c> of an LXC without VgpuIac's tag, Docker installed in it, the web server pair made with
/// <c>openssl req</c> in the cert folder, then <c>docker run --restart always -d -e DLS_URL -e DLS_PORT -p port:443
/// -v cert:/app/cert</c> with no VgpuIac label. A 2.x image then creates its signing chain itself on first start, with
/// mode 0644, as the real server does. The cert folder is <see cref="CertDir"/> unless the test names another one
/// (VgpuIac's import finds it from the container's mounts).
/// </summary>
public static class HandMadeDlsServer
{
    /// <summary>The cert folder inside the container (mounted at <c>/app/cert</c>).</summary>
    public const string CertDir = "/opt/fastapi-dls/cert";

    public const string DefaultImage = "collinwebdesigns/fastapi-dls:2.0.3";

    public const string DefaultTemplate = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";

    /// <summary>The cert folder of container <paramref name="vmid"/> as seen from the node (<paramref name="certDir"/>: the folder inside the LXC).</summary>
    public static string CertDirOnNode(int vmid, string certDir = CertDir) => $"/var/lib/lxc/{vmid.ToString(CultureInfo.InvariantCulture)}/rootfs{certDir}";

    /// <summary>The container's own writable layer's cert folder (no volume mounted), as seen from the node.</summary>
    public static string WritableLayerCertDirOnNode(int vmid, string containerCertPath = "/app/cert") =>
        $"/var/lib/lxc/{vmid.ToString(CultureInfo.InvariantCulture)}/rootfs/var/lib/docker-sim/containers/fastapi-dls{containerCertPath}";

    /// <summary>
    /// Makes the server in LXC <paramref name="vmid"/> (address 192.0.2.50/24, gateway 192.0.2.1, host name <c>dls</c>,
    /// 512 MiB) serving <paramref name="dlsUrl"/>:<paramref name="port"/>, and waits until <c>/-/health</c> answers.
    /// The web server pair is made in <paramref name="certDir"/> inside the LXC, mounted at <paramref name="containerCertPath"/>
    /// (a path other than <c>/app/cert</c> is passed as <c>CERT_PATH</c>). With <paramref name="mountCerts"/> false no folder
    /// is mounted: the pair is copied into the container's writable layer after <c>docker run</c> (as <c>docker cp</c> does)
    /// and the container restarted, so its keys live only there.
    /// </summary>
    public static async Task MakeAsync(SimulatedNode node, int vmid, string dlsUrl, int port, string image = DefaultImage, string template = DefaultTemplate,
        string certDir = CertDir, string containerCertPath = "/app/cert", bool mountCerts = true, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        var id = vmid.ToString(CultureInfo.InvariantCulture);
        var p = port.ToString(CultureInfo.InvariantCulture);
        await node.ExecCheckedAsync(
            $"pct create {id} {Q(template)} --hostname dls --unprivileged 1 --features nesting=1 " +
            $"--net0 name=eth0,bridge=vmbr0,ip=192.0.2.50/24,gw=192.0.2.1 --rootfs local-lvm:8 --memory 512 --onboot 1 >/dev/null", ct).ConfigureAwait(false);
        await node.ExecCheckedAsync($"pct start {id}", ct).ConfigureAwait(false);
        await node.ExecCheckedAsync($"pct exec {id} -- sh -c 'command -v docker >/dev/null 2>&1 || {{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null; }}'", ct).ConfigureAwait(false);
        var san = System.Net.IPAddress.TryParse(dlsUrl, out _) ? $"IP:{dlsUrl}" : $"DNS:{dlsUrl}";
        await node.ExecCheckedAsync(
            $"pct exec {id} -- mkdir -p {Q(certDir)} /opt/fastapi-dls/database && " +
            $"pct exec {id} -- openssl req -x509 -nodes -days 3650 -newkey rsa:2048 -keyout {Q(certDir + "/webserver.key")} -out {Q(certDir + "/webserver.crt")} " +
            $"-subj {Q("/CN=" + dlsUrl)} -addext {Q("subjectAltName=" + san)} 2>/dev/null", ct).ConfigureAwait(false);
        var certPathEnv = containerCertPath == "/app/cert" ? string.Empty : $"-e CERT_PATH={Q(containerCertPath)} ";
        var certMount = mountCerts ? $"-v {Q(certDir + ":" + containerCertPath)} " : string.Empty;
        await node.ExecCheckedAsync(
            $"pct exec {id} -- docker run --restart always -d --name fastapi-dls -e DLS_URL={Q(dlsUrl)} -e DLS_PORT={p} {certPathEnv}-p {p}:443 " +
            $"{certMount}-v /opt/fastapi-dls/database:/app/database {Q(image)} >/dev/null", ct).ConfigureAwait(false);
        if (!mountCerts)
        {
            var layer = WritableLayerCertDirOnNode(vmid, containerCertPath);
            await node.ExecCheckedAsync(
                $"mkdir -p {Q(layer)} && cp -p {Q(CertDirOnNode(vmid, certDir) + "/webserver.key")} {Q(CertDirOnNode(vmid, certDir) + "/webserver.crt")} {Q(layer)}/ && " +
                $"rm -f {Q(CertDirOnNode(vmid, certDir) + "/webserver.key")} {Q(CertDirOnNode(vmid, certDir) + "/webserver.crt")} && pct exec {id} -- docker restart fastapi-dls >/dev/null", ct).ConfigureAwait(false);
        }

        await node.ExecCheckedAsync(
            $"end=$(( $(date +%s) + 90 )); until curl -sk --max-time 3 -o /dev/null https://{Q(dlsUrl)}:{p}/-/health; do " +
            $"[ \"$(date +%s)\" -ge \"$end\" ] && {{ echo 'the hand-made licence server did not answer' >&2; pct exec {id} -- docker logs fastapi-dls >&2; exit 1; }}; sleep 0.5; done", ct).ConfigureAwait(false);
    }

    private static string Q(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
