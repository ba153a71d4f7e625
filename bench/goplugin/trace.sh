#!/usr/bin/env bash
# Where a provider's start-up goes: launches BINARY RUNS times through the go-plugin client (as Terraform does) with
# VGPUIAC_STARTUP_TRACE=1 and prints, per start-up mark the provider writes (Hosting/StartupTrace.cs), the median
# milliseconds from exec, then the client's own exec -> handshake parsed, exec -> first RPC answered, Kill (Shutdown) and
# the process's exit as the client saw it.
# usage: trace.sh RUNS BINARY [CLIENT]   (CLIENT defaults to artifacts/bench-go/goplugin-client)
set -euo pipefail
runs=${1:?usage: trace.sh RUNS BINARY [CLIENT]}; binary=${2:?usage: trace.sh RUNS BINARY [CLIENT]}
client=${3:-$(cd "$(dirname "$0")/../.." && pwd)/artifacts/bench-go/goplugin-client}
for _ in $(seq 1 "$runs"); do
  GOPLUGIN_CLIENT_TRACE=1 VGPUIAC_STARTUP_TRACE=1 "$client" 1 "$binary" 2>&1 >/dev/null
done | awk '
  /client-trace exec wall=/ { sub(/.*wall=/, ""); t0 = $1; run++; next }
  /client-trace handshake/ { add("= handshake parsed (client)", substr($3, 2) + 0); add("= first RPC answered (client)", substr($5, 2) + 0); next }
  /client-trace kill/ { add("= Kill: Shutdown sent (client)", substr($3, 2) + 0); add("= process exited (client)", substr($5, 2) + 0); next }
  /startup-trace / { for (i = 1; i <= NF; i++) if ($i ~ /^wall=/) { w = substr($i, 6) } ; name = $0; sub(/.*startup-trace /, "", name); sub(/ \+[0-9.]+ wall=.*/, "", name);
                     if (!(name SUBSEP run in seen)) { seen[name, run] = 1; add(name, (w - t0) / 1000) } }
  function add(k, v) { if (!(k in n)) order[++keys] = k; vals[k, ++n[k]] = v }
  END {
    printf "%-34s %9s %9s %9s  (%d runs, ms from exec)\n", "mark", "median", "min", "max", run
    for (i = 1; i <= keys; i++) { k = order[i]; c = n[k]; for (j = 1; j <= c; j++) { v = vals[k, j]; for (l = j - 1; l >= 1 && a[l] > v; l--) a[l + 1] = a[l]; a[l + 1] = v }
      m = (c % 2) ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2; printf "%-34s %9.1f %9.1f %9.1f\n", k, m, a[1], a[c]; delete a }
  }'
