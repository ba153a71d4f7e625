namespace VgpuIac.Engine.Licensing;

/// <summary>
/// The fixed scripts the licence server runs on the node. User input only ever arrives as positional arguments
/// ($1, $2, ...), never spliced into the text. <c>run_in</c> runs a command in the LXC (pct exec) or on the Docker host.
/// </summary>
internal static class DlsScripts
{
    private const string Prelude = """
        set -u
        mode=$1; vmid=$2; name=$3
        certdir=/opt/fastapi-dls/cert
        run_in() { if [ "$mode" = lxc ]; then pct exec "$vmid" -- "$@"; else "$@"; fi; }
        fetch_cert() { # -> $1 (a local file on the node)
          if [ "$mode" = lxc ]; then pct pull "$vmid" "$certdir/webserver.crt" "$1" 2>/dev/null; else cp "$certdir/webserver.crt" "$1" 2>/dev/null; fi
        }
        tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

        """;

    /// <summary>Read-only: args mode vmid name url port. Prints ### sections for <see cref="DlsNodeState.Parse"/>.</summary>
    public const string Read = Prelude + """
        url=$4; port=$5
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
        echo "### cert"; fetch_cert "$tmp/cert.pem" && cat "$tmp/cert.pem"
        echo "### health"
        if [ -s "$tmp/cert.pem" ]; then
          curl -sS --max-time 5 --cacert "$tmp/cert.pem" "https://$url:$port/-/health" 2>&1; rc=$?; echo; echo "rc=$rc"
        fi
        """;

    /// <summary>Creates and starts the LXC: args mode vmid name template hostname net0 rootfs memory.</summary>
    public const string CreateContainer = Prelude + """
        template=$4; hostname=$5; net0=$6; rootfs=$7; memory=$8
        pct create "$vmid" "$template" --hostname "$hostname" --unprivileged 1 --features nesting=1,keyctl=1 \
          --net0 "$net0" --rootfs "$rootfs" --memory "$memory" --onboot 1 || exit 10
        pct start "$vmid" || exit 11
        # Docker inside the container (a Debian template has none)
        pct exec "$vmid" -- sh -c 'command -v docker >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io; }' || exit 12
        """;

    /// <summary>Moves staged key files into the certificate volume: args mode vmid name staging-dir.</summary>
    public const string InstallKeys = Prelude + """
        staging=$4
        trap 'rm -rf "$tmp" "$staging"' EXIT
        for f in webserver.crt webserver.key instance.private.pem instance.public.pem; do
          perms=0600; case $f in webserver.crt|instance.public.pem) perms=0644;; esac
          if [ "$mode" = lxc ]; then
            pct exec "$vmid" -- mkdir -p "$certdir" /opt/fastapi-dls/database || exit 20
            pct push "$vmid" "$staging/$f" "$certdir/$f" --perms "$perms" || exit 21
          else
            mkdir -p "$certdir" /opt/fastapi-dls/database && install -m "$perms" "$staging/$f" "$certdir/$f.new" && mv -f "$certdir/$f.new" "$certdir/$f" || exit 21
          fi
        done
        """;

    /// <summary>(Re)creates the Docker container: args mode vmid name image port then KEY=VALUE environment entries.</summary>
    public const string RunContainer = Prelude + """
        image=$4; port=$5; shift 5
        envs=(); for e in "$@"; do envs+=(-e "$e"); done
        run_in docker rm -f "$name" >/dev/null 2>&1
        run_in docker run -d --name "$name" --restart always "${envs[@]}" -p "$port:443" \
          -v "$certdir:/app/cert" -v /opt/fastapi-dls/database:/app/database "$image" || exit 30
        """;

    /// <summary>Waits until /-/health answers over TLS pinned to our certificate: args mode vmid name url port seconds.</summary>
    public const string WaitHealthy = Prelude + """
        url=$4; port=$5; seconds=$6
        fetch_cert "$tmp/cert.pem" || { echo "the certificate is missing from $certdir"; exit 40; }
        end=$(( $(date +%s) + seconds ))
        while :; do
          out=$(curl -sS --max-time 3 --cacert "$tmp/cert.pem" "https://$url:$port/-/health" 2>&1) && { echo "$out"; exit 0; }
          [ "$(date +%s)" -ge "$end" ] && break
          sleep 0.5
        done
        echo "last answer: $out"
        echo "--- docker logs (last 20 lines)"; run_in docker logs "$name" 2>&1 | tail -n 20
        exit 41
        """;

    /// <summary>Prints a client configuration token, fetched over TLS pinned to our certificate: args mode vmid name url port.</summary>
    public const string FetchToken = Prelude + """
        url=$4; port=$5
        fetch_cert "$tmp/cert.pem" || { echo "the certificate is missing from $certdir" >&2; exit 50; }
        curl -fsS --max-time 15 --cacert "$tmp/cert.pem" "https://$url:$port/-/client-token" || exit 51
        """;

    /// <summary>Removes everything the resource created: args mode vmid name.</summary>
    public const string Destroy = Prelude + """
        if [ "$mode" = lxc ]; then
          pct config "$vmid" >/dev/null 2>&1 || exit 0
          if pct status "$vmid" | grep -q running; then pct stop "$vmid" || exit 60; fi
          pct destroy "$vmid" --purge || exit 61
        else
          docker rm -f "$name" >/dev/null 2>&1
          rm -rf "$certdir"
        fi
        """;
}
