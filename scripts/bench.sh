#!/usr/bin/env bash
# make bench: how fast VgpuIac is next to what people use today, measured in one run on this machine.
# Writes bench/results/latest.md (and a dated copy). BENCH_SMOKE=1 runs a tiny version (used by the test suite).
# Figures are medians (with min and max) and ratios against baselines measured in the same run.
# Sizes: BENCH_RUNS launches, BENCH_PLANS plans, BENCH_GUESTS x BENCH_NODES (1 node skips the multi-node case),
# BENCH_HOST_RUNS no-op applies; BENCH_MICRO=0 skips the BenchmarkDotNet section; BENCH_SECTIONS="2" runs only the listed
# sections (1 start-up, 2 no-op plans, 3 host configuration); BENCH_OUT=file writes the results there instead of bench/results.
# BENCH_TRACE=1 adds one no-op apply of section 3 under TF_LOG=trace and keeps its log and the node's command log of it
# (in BENCH_TRACE_DIR, default /tmp/vgpuiac-bench-trace).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SMOKE=${BENCH_SMOKE:-0}
RUNS=${BENCH_RUNS:-20}; PLANS=${BENCH_PLANS:-5}; GUESTS=${BENCH_GUESTS:-20}; NODES=${BENCH_NODES:-5}
HOST_RUNS=${BENCH_HOST_RUNS:-7}
if [ "$SMOKE" = 1 ]; then RUNS=3; PLANS=1; GUESTS=3; NODES=1; HOST_RUNS=1; fi
PROVIDER=$ROOT/artifacts/provider/terraform-provider-vgpu
PULUMI_PLUGIN=$ROOT/artifacts/pulumi/pulumi-resource-vgpu
FLOOR=$ROOT/artifacts/bench-floor/VgpuIac.BenchFloor
GO_BASELINE=$ROOT/artifacts/bench-go/terraform-provider-gobaseline
GO_CLIENT=$ROOT/artifacts/bench-go/goplugin-client
NODESIM=(dotnet "$ROOT/tests/VgpuIac.NodeSim/bin/Release/net10.0/VgpuIac.NodeSim.dll")
[ -f "${NODESIM[1]}" ] || NODESIM=(dotnet "$ROOT/tests/VgpuIac.NodeSim/bin/Debug/net10.0/VgpuIac.NodeSim.dll")
TF=$(command -v tofu || command -v terraform)
WORK=$(mktemp -d /tmp/vgpuiac-bench.XXXXXX)
OUT=$WORK/results.md
NODE_DIRS=()
cleanup() { set +e; for d in "${NODE_DIRS[@]}"; do "${NODESIM[@]}" stop --state-dir "$d" >/dev/null 2>&1; done; rm -rf "$WORK"; }
trap cleanup EXIT
log() { printf '== %s\n' "$*" >&2; }
want() { case " ${BENCH_SECTIONS:-1 2 3} " in *" $1 "*) return 0;; esac; return 1; }
now_us() { echo $(( $(date +%s%N) / 1000 )); }
# stats "label" values... -> "min median max" (of numbers)
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%s %s %s", a[1], m, a[NR]}'; }
median() { stats "$@" | awk '{print $2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
row() { local label=$1; shift; read -r mn md mx <<< "$(stats "$@")"; printf '| %s | %s | %s | %s |\n' "$label" "$(ms "$md")" "$(ms "$mn")" "$(ms "$mx")"; }

# ---------------------------------------------------------------------------------------------------------------
# 1. Process start to handshake line
# ---------------------------------------------------------------------------------------------------------------
if want 1; then
log "1. start-up ($RUNS launches each)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
  -keyout "$WORK/client.key" -out "$WORK/client.crt" >/dev/null 2>&1
first_line_us() { # env-assignments... -- command... : microseconds from fork to the first stdout line
  local t0 line pid
  t0=$(now_us)
  coproc STARTED { exec env "$@" 2>/dev/null; }
  pid=$STARTED_PID
  IFS= read -r line <&"${STARTED[0]}" || true
  echo $(( $(now_us) - t0 ))
  kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
}
TF_ENV=(TF_PLUGIN_MAGIC_COOKIE=d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2 "PLUGIN_CLIENT_CERT=$(cat "$WORK/client.crt")" PLUGIN_PROTOCOL_VERSIONS=6)
# the Pulumi plugin prints its port once its socket listens and builds its host after: pulumi-client (bench/goplugin) also
# times exec to the first RPC answered (GetPluginInfo)
PULUMI_CLIENT=$ROOT/artifacts/bench-go/pulumi-client
provider_us=(); floor_us=(); pulumi_us=(); pulumi_rpc_us=()
for _ in $(seq 1 "$RUNS"); do
  provider_us+=("$(first_line_us "${TF_ENV[@]}" "$PROVIDER")")
  floor_us+=("$(first_line_us "${TF_ENV[@]}" "$FLOOR")")
  if [ -x "$PULUMI_PLUGIN" ] && [ -x "$PULUMI_CLIENT" ]; then
    read -r a b <<< "$(PULUMI_DEBUG_NONE=1 "$PULUMI_CLIENT" 1 "$PULUMI_PLUGIN" 127.0.0.1:1)"; pulumi_us+=("$a"); pulumi_rpc_us+=("$b")
  elif [ -x "$PULUMI_PLUGIN" ]; then
    pulumi_us+=("$(first_line_us PULUMI_DEBUG_NONE=1 "$PULUMI_PLUGIN" 127.0.0.1:1)")
  fi
done
# The same launches through HashiCorp's go-plugin client (AutoMTLS, protocol 6, as Terraform starts a provider), VgpuIac
# and a minimal Go provider built on go-plugin interleaved: exec -> handshake parsed, and Kill (GRPCController.Shutdown,
# then waiting for the process to exit). Columns of goplugin-client: start_us rpc_us exit_us graceful, where rpc_us is exec to
# the first RPC answered (go-plugin's Ping: a grpc.health.v1 Check over the mTLS connection). The handshake line alone could
# flatter a plugin that prints it before it serves (VgpuIac does: its socket listens before Kestrel runs), so both are shown.
gp_vgpu_start=(); gp_vgpu_rpc=(); gp_vgpu_exit=(); gp_go_start=(); gp_go_rpc=(); gp_go_exit=(); gp_graceful=0
if [ -x "$GO_CLIENT" ] && [ -x "$GO_BASELINE" ]; then
  for _ in $(seq 1 "$RUNS"); do
    read -r a b c g <<< "$("$GO_CLIENT" 1 "$PROVIDER")"; gp_vgpu_start+=("$a"); gp_vgpu_rpc+=("$b"); gp_vgpu_exit+=("$c"); gp_graceful=$(( gp_graceful + g ))
    read -r a b c _ <<< "$("$GO_CLIENT" 1 "$GO_BASELINE")"; gp_go_start+=("$a"); gp_go_rpc+=("$b"); gp_go_exit+=("$c")
  done
fi
{
  echo "## 1. Start-up: process start to handshake line ($RUNS launches)"
  echo
  echo "| binary | median ms | min ms | max ms |"
  echo "|---|---|---|---|"
  row "terraform-provider-vgpu (Native AOT, mTLS)" "${provider_us[@]}"
  row "minimal .NET program, Native AOT, prints one line (floor)" "${floor_us[@]}"
  [ ${#pulumi_us[@]} -gt 0 ] && row "pulumi-resource-vgpu (Native AOT) to port line" "${pulumi_us[@]}"
  [ ${#pulumi_rpc_us[@]} -gt 0 ] && row "pulumi-resource-vgpu (Native AOT) to first RPC answered (GetPluginInfo)" "${pulumi_rpc_us[@]}"
  echo
  echo "Provider / floor: **$(ratio "$(median "${provider_us[@]}")" "$(median "${floor_us[@]}")")x**"
  echo
  if [ ${#gp_go_start[@]} -gt 0 ]; then
    echo "Through HashiCorp's go-plugin client (AutoMTLS, protocol 6), interleaved with a minimal Go provider on go-plugin (bench/goplugin):"
    echo
    echo "| what | VgpuIac median ms | min | max | Go provider median ms | min | max | VgpuIac / Go |"
    echo "|---|---|---|---|---|---|---|---|"
    for what in start rpc exit; do
      case $what in
        start) label="exec to handshake line"; v=("${gp_vgpu_start[@]}"); g=("${gp_go_start[@]}");;
        rpc) label="exec to first RPC answered (health Check, mTLS)"; v=("${gp_vgpu_rpc[@]}"); g=("${gp_go_rpc[@]}");;
        exit) label="Shutdown to process exit"; v=("${gp_vgpu_exit[@]}"); g=("${gp_go_exit[@]}");;
      esac
      read -r vmn vmd vmx <<< "$(stats "${v[@]}")"; read -r gmn gmd gmx <<< "$(stats "${g[@]}")"
      printf '| %s | %s | %s | %s | %s | %s | %s | **%sx** |\n' "$label" "$(ms "$vmd")" "$(ms "$vmn")" "$(ms "$vmx")" "$(ms "$gmd")" "$(ms "$gmn")" "$(ms "$gmx")" "$(ratio "$vmd" "$gmd")"
    done
    echo
    echo "VgpuIac exited on its own after Shutdown in $gp_graceful of ${#gp_vgpu_exit[@]} launches (go-plugin kills a plugin that has not exited 2 s after Shutdown)."
  else
    echo "Go baseline not measured: build it with \`make bench-tools\` (needs golang-go and golang-github-hashicorp-go-plugin-dev)."
  fi
  echo
} >> "$OUT"
fi

# ---------------------------------------------------------------------------------------------------------------
# helpers for terraform against simulated nodes
# ---------------------------------------------------------------------------------------------------------------
start_node() { # dir [gpu] -> node.json in dir
  local dir=$1 gpu=${2:-0000:01:00.0=tesla-p40}
  mkdir -p "$dir"; NODE_DIRS+=("$dir")
  "${NODESIM[@]}" start --state-dir "$dir" --hostname "$(basename "$dir")" --gpu "$gpu" --reboot-delay 1 > "$dir/cli.log" 2>&1 &
  for _ in $(seq 1 200); do [ -s "$dir/node.json" ] && return 0; sleep 0.1; done
  cat "$dir/cli.log" >&2; return 1
}
jget() { sed -n "s/.*\"$2\": *\"\\{0,1\\}\\([^\",]*\\)\"\\{0,1\\},\\{0,1\\}$/\\1/p" "$1/node.json" | head -1 | sed 's/\\u002B/+/g; s/\\u002F/\//g'; }
node_block() { # name dir
  printf '  node "%s" {\n    host = "%s"\n    port = %s\n    private_key_file = "%s"\n    host_key_sha256 = "%s"\n  }\n' \
    "$1" "$(jget "$2" host)" "$(jget "$2" port)" "$(jget "$2" private_key_path)" "$(jget "$2" host_key_sha256)"
}
commands_on() { local up; up=$(jget "$1" upper_dir); awk -F'\t' '$4 == "exec"' "$up/var/lib/nodesim/commands.log" | wc -l; }
tools_on() { local up; up=$(jget "$1" upper_dir); awk -F'\t' '$4 ~ /^shim-/' "$up/var/lib/nodesim/commands.log" | wc -l; }
# qm and pct runs: on a real PVE node each is a Perl process of ~0.3 s, so this is the count that decides a plan's node time
pve_tools_on() { local up; up=$(jget "$1" upper_dir); awk -F'\t' '$4 ~ /^shim-/ && ($5 ~ /^qm( |$)/ || $5 ~ /^pct( |$)/)' "$up/var/lib/nodesim/commands.log" | wc -l; }
# the time the node spent in SSH commands (the sum of their durations, ms): what a plan waits for on the node
exec_ms_on() { local up; up=$(jget "$1" upper_dir); awk -F'\t' '$4 == "exec" {s += $2} END {printf "%d", s}' "$up/var/lib/nodesim/commands.log"; }
# of those, the calls that ask a guest's agent (qm guest ..., qm agent ...): what only the guest knows
agent_tools_on() { local up; up=$(jget "$1" upper_dir); awk -F'\t' '$4 ~ /^shim-/ && $5 ~ /^qm (guest|agent)( |$)/' "$up/var/lib/nodesim/commands.log" | wc -l; }
connections_on() { grep -c "Accepted publickey" "$(jget "$1" sandbox_dir)/log/sshd.log" 2>/dev/null || echo 0; }
# a provider directory whose terraform-provider-vgpu records CPU time and peak memory of every provider process
mkdir -p "$WORK/provider"
cat > "$WORK/provider/terraform-provider-vgpu" <<SH
#!/bin/bash
exec /usr/bin/time -a -o "$WORK/provider-usage.log" -f '%e %U %S %M' "$PROVIDER" "\$@"
SH
chmod +x "$WORK/provider/terraform-provider-vgpu"
cat > "$WORK/dev.tfrc" <<RC
provider_installation {
  dev_overrides { "registry.terraform.io/vgpuiac/vgpu" = "$WORK/provider" }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE=$WORK/dev.tfrc TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
usage_reset() { : > "$WORK/provider-usage.log"; }
# CPU time of every process on the machine so far (user, nice, system, irq, softirq), ms
machine_cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / {printf "%d", ($2 + $3 + $4 + $7 + $8) * 1000 / hz}' /proc/stat; }
# CPU time of the simulated nodes so far, ms: each node's init and its live children (sshd...), with the CPU of every
# descendant they reaped (the SSH sessions, the shims, qm, the guests' commands)
nodes_cpu_ms() { # node-dir...
  local d init pids=() p
  for d in "$@"; do
    init=$(jget "$d" init_pid); [ -n "$init" ] && [ -r "/proc/$init/stat" ] || continue
    pids+=("$init"); for p in $(ps -o pid= --ppid "$init"); do pids+=("$p"); done
  done
  for p in "${pids[@]}"; do cat "/proc/$p/stat" 2>/dev/null; done | awk -v hz="$(getconf CLK_TCK)" '{s += $14 + $15 + $16 + $17} END {printf "%d", s * 1000 / hz}'
}
usage_cpu_ms() { awk '{s += ($2 + $3)} END {printf "%d", s * 1000}' "$WORK/provider-usage.log"; }
usage_peak_mib() { awk '{if ($4 > m) m = $4} END {printf "%.0f", m / 1024}' "$WORK/provider-usage.log"; }
installers() {
  HOST_RUN=$("${NODESIM[@]}" write-host-installer --version 535.129.03 --out "$WORK/files")
  GUEST_RUN=$("${NODESIM[@]}" write-guest-driver --version 535.129.03 --out "$WORK/files")
}
installers

# ---------------------------------------------------------------------------------------------------------------
# 2. No-op plan (refresh included): one node with the driver and GUESTS guests
# ---------------------------------------------------------------------------------------------------------------
noop_plan_case() { # title nodes guests-per-node [extra vgpu_guest attribute line] [case tag]
  local title=$1 nodes=$2 guests=$3 extra=${4:-} tag=${5:-} dir i n
  dir=$WORK/case-$nodes-$guests$tag; mkdir -p "$dir"
  { echo 'terraform {'; echo '  required_providers {'; echo '    vgpu = { source = "vgpuiac/vgpu" }'; echo '  }'; echo '}'; echo 'provider "vgpu" {'; } > "$dir/main.tf"
  for n in $(seq 1 "$nodes"); do start_node "$WORK/nodes/n$nodes-$guests$tag-$n"; node_block "pve$n" "$WORK/nodes/n$nodes-$guests$tag-$n" >> "$dir/main.tf"; done
  echo '}' >> "$dir/main.tf"
  for n in $(seq 1 "$nodes"); do
    cat >> "$dir/main.tf" <<TF
resource "vgpu_host_driver" "pve$n" {
  node             = "pve$n"
  installer_source = "$HOST_RUN"
  installer_sha256 = filesha256("$HOST_RUN")
  reboot_timeout   = "2m"
}
resource "vgpu_guest" "pve$n" {
  count     = $guests
  node      = "pve$n"
  vmid      = 200 + count.index
  name      = "vm\${200 + count.index}"
  mdev_type = "nvidia-46"
  host_driver_version = vgpu_host_driver.pve$n.installed_version
$extra
}
TF
  done
  local node_dirs=()
  for n in $(seq 1 "$nodes"); do node_dirs+=("$WORK/nodes/n$nodes-$guests$tag-$n"); done
  measure_noop_plans "$title" "$dir" "${node_dirs[@]}"
}
measure_noop_plans() { # title config-dir node-dir... : apply once, then time PLANS no-op plans; prints one table row
  local title=$1 dir=$2; shift 2
  local node_dirs=("$@") nodes=$# n
  (cd "$dir" && "$TF" apply -auto-approve -no-color > apply.log 2>&1) || { grep -A20 "Error:" "$dir/apply.log" | head -60 >&2 || tail -30 "$dir/apply.log" >&2; return 1; }
  local walls=() before_c=() before_k=() before_t=() before_q=() before_a=() before_e=()
  for n in $(seq 1 "$nodes"); do before_c+=("$(commands_on "${node_dirs[n-1]}")"); before_k+=("$(connections_on "${node_dirs[n-1]}")"); before_t+=("$(tools_on "${node_dirs[n-1]}")"); before_q+=("$(pve_tools_on "${node_dirs[n-1]}")"); before_a+=("$(agent_tools_on "${node_dirs[n-1]}")"); before_e+=("$(exec_ms_on "${node_dirs[n-1]}")"); done
  usage_reset
  # CPU of the whole machine (every process: terraform, the provider, the simulated nodes' sshd and tools) and of terraform
  # with the provider processes it waited for: what is left is the simulated nodes', which share this machine's cores
  local cpu0 cpu1 ncpu0 ncpu1 tf_cpu=0; : > "$WORK/tf-usage.log"
  cpu0=$(machine_cpu_ms); ncpu0=$(nodes_cpu_ms "${node_dirs[@]}")
  for _ in $(seq 1 "$PLANS"); do
    local t0; t0=$(now_us)
    (cd "$dir" && /usr/bin/time -a -o "$WORK/tf-usage.log" -f '%U %S' "$TF" plan -no-color -detailed-exitcode > plan.log 2>&1) || { echo "plan was not empty:" >&2; tail -20 "$dir/plan.log" >&2; return 1; }
    walls+=($(( $(now_us) - t0 )))
  done
  cpu1=$(machine_cpu_ms); ncpu1=$(nodes_cpu_ms "${node_dirs[@]}")
  tf_cpu=$(awk '{s += $1 + $2} END {printf "%d", s * 1000}' "$WORK/tf-usage.log")
  local cmds=0 conns=0 tools=0 qms=0 agents=0 exec_ms=0
  for n in $(seq 1 "$nodes"); do
    exec_ms=$(( exec_ms + $(exec_ms_on "${node_dirs[n-1]}") - before_e[n-1] ))
    qms=$(( qms + $(pve_tools_on "${node_dirs[n-1]}") - before_q[n-1] ))
    agents=$(( agents + $(agent_tools_on "${node_dirs[n-1]}") - before_a[n-1] ))
    cmds=$(( cmds + $(commands_on "${node_dirs[n-1]}") - before_c[n-1] ))
    tools=$(( tools + $(tools_on "${node_dirs[n-1]}") - before_t[n-1] ))
    conns=$(( conns + $(connections_on "${node_dirs[n-1]}") - before_k[n-1] ))
  done
  read -r mn md mx <<< "$(stats "${walls[@]}")"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$title" "$(ms "$md")" "$(ms "$mn")" "$(ms "$mx")" \
    "$(( $(usage_cpu_ms) / PLANS ))" "$(usage_peak_mib)" "$(awk -v c="$conns" -v p="$PLANS" -v n="$nodes" 'BEGIN{printf "%.1f", c/p/n}')" \
    "$(awk -v c="$cmds" -v p="$PLANS" -v n="$nodes" 'BEGIN{printf "%.1f", c/p/n}')" \
    "$(awk -v c="$tools" -v p="$PLANS" -v n="$nodes" 'BEGIN{printf "%.1f", c/p/n}')" \
    "$(awk -v c="$(( qms - agents ))" -v p="$PLANS" -v n="$nodes" 'BEGIN{printf "%.1f", c/p/n}')" \
    "$(awk -v c="$agents" -v p="$PLANS" -v n="$nodes" 'BEGIN{printf "%.1f", c/p/n}')" \
    "$(awk -v c="$exec_ms" -v p="$PLANS" -v n="$nodes" 'BEGIN{printf "%.0f", c/p/n}')" \
    "$(( (cpu1 - cpu0) / PLANS ))" "$(( tf_cpu / PLANS ))" "$(( (ncpu1 - ncpu0) / PLANS ))"
  (cd "$dir" && "$TF" destroy -auto-approve -no-color > destroy.log 2>&1) || true
}
quickstart_case() { # the README's quickstart (examples/terraform/quickstart) as it is, on one node
  local dir=$WORK/case-quickstart node=$WORK/nodes/quickstart dls_port
  mkdir -p "$dir"; start_node "$node"
  cp "$ROOT"/examples/terraform/quickstart/*.tf "$dir/"
  dls_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18443)
  cat > "$dir/terraform.tfvars" <<TFVARS
node_host              = "$(jget "$node" host)"
node_port              = $(jget "$node" port)
private_key_file       = "$(jget "$node" private_key_path)"
host_key_sha256        = "$(jget "$node" host_key_sha256)"
host_driver_installer  = "$HOST_RUN"
guest_driver_installer = "$GUEST_RUN"
dls_ip_address         = "192.0.2.50/24"
dls_gateway            = "192.0.2.1"
dls_url                = "127.0.0.1"
dls_port               = $dls_port
TFVARS
  measure_noop_plans "the quickstart (driver, licence server, profile override, licensed guest)" "$dir" "$node"
}
if want 2; then
log "2/4. no-op plans"
{
  echo "## 2 and 4. No-op \`terraform plan\` (refresh included), $PLANS runs"
  echo
  echo "| configuration | wall median ms | min | max | provider CPU ms per plan | provider peak RSS MiB | SSH connections per node per plan | SSH commands per node per plan | node tool runs per node per plan | qm/pct processes per node per plan, what the node knows | qm guest/agent processes per node per plan, what only guests know | node time in SSH commands per node per plan ms | machine CPU ms per plan, all processes | terraform + provider CPU ms per plan | simulated nodes' CPU ms per plan, all nodes |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  quickstart_case
  # the smoke run plans two sizes, so its test can check that the node's own qm/pct count does not grow with the guests
  [ "$SMOKE" = 1 ] && noop_plan_case "1 node, driver + 1 guests" 1 1
  noop_plan_case "1 node, driver + $GUESTS guests" 1 "$GUESTS"
  # the same guests with guest_setup = none: what the node itself knows, without asking any guest's agent
  [ "$SMOKE" = 1 ] || noop_plan_case "1 node, driver + $GUESTS guests, guest_setup = none" 1 "$GUESTS" '  guest_setup = "none"' -none
  [ "$SMOKE" = 1 ] || [ "$NODES" -le 1 ] || noop_plan_case "$NODES nodes x $GUESTS guests" "$NODES" "$GUESTS"
  echo
  echo "Counted from each node's command log: SSH exec requests, the node tools (shims) those commands ran, and of those the \`qm\`/\`pct\` runs (each a ~0.3 s Perl process on a real PVE node), split into what the node itself knows (configs, status: a constant per node, whatever the number of guests) and the calls that ask a running guest's agent (\`qm guest exec\`, \`qm agent\`: only for guests with the agent on and guest_setup not none, concurrently)."
  echo
  echo "CPU per plan: the whole machine's (/proc/stat), terraform's with the provider processes it ran (time(1)), and the simulated nodes' own (each node's init and sshd with every process they reaped: SSH sessions, node tools, qm, the guests' commands). Every simulated node runs on this machine's $(nproc) cores, where real nodes each have their own: a plan here cannot take less wall time than its CPU / $(nproc)."
  echo
} >> "$OUT"
fi

# ---------------------------------------------------------------------------------------------------------------
# 3. The tutorial's host configuration: VgpuIac vs Ansible vs terraform_data + remote-exec
# ---------------------------------------------------------------------------------------------------------------
if want 3; then
log "3. host configuration vs peers"
# Terraform runs the provider binary itself here, as a user's Terraform does: the CPU/memory wrapper of section 2 (bash +
# /usr/bin/time) would add its own start and exit to each of the 4 provider processes of an apply; section 3 reports no
# provider CPU or memory.
mkdir -p "$WORK/provider-direct"; ln -sf "$PROVIDER" "$WORK/provider-direct/terraform-provider-vgpu"
sed "s#\"$WORK/provider\"#\"$WORK/provider-direct\"#" "$WORK/dev.tfrc" > "$WORK/dev-direct.tfrc"
export TF_CLI_CONFIG_FILE=$WORK/dev-direct.tfrc
printf 'fake vgpu_unlock-rs library for the benchmark\n' > "$WORK/files/libvgpu_unlock_rs.so"
prepare_host() { # dir: a GTX 1080 node with the host driver installed (not timed)
  start_node "$1" "0000:01:00.0=gtx-1080"
  mkdir -p "$1/tf-driver"
  { echo 'terraform {'; echo '  required_providers {'; echo '    vgpu = { source = "vgpuiac/vgpu" }'; echo '  }'; echo '}'; echo 'provider "vgpu" {'; node_block pve1 "$1"; echo '}'
    printf 'resource "vgpu_host_driver" "d" {\n  node = "pve1"\n  installer_source = "%s"\n  installer_sha256 = filesha256("%s")\n  reboot_timeout = "2m"\n}\n' "$HOST_RUN" "$HOST_RUN"; } > "$1/tf-driver/main.tf"
  (cd "$1/tf-driver" && "$TF" apply -auto-approve -no-color > apply.log 2>&1) || { grep -A12 "Error:" "$1/tf-driver/apply.log" | head -40 >&2; return 1; }
}
timed() { local t0; t0=$(now_us); "$@" > "$WORK/last.log" 2>&1 || { { grep -A25 "Error:" "$WORK/last.log" | head -60 || tail -40 "$WORK/last.log"; } >&2; return 1; }; echo $(( $(now_us) - t0 )); }
edit_toml() { ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i "$(jget "$1" private_key_path)" -p "$(jget "$1" port)" root@127.0.0.1 \
  "sed -i 's/^display_width = 1920/display_width = 1280/' /etc/vgpu_unlock/profile_override.toml"; }
# VgpuIac
V=$WORK/nodes/host-vgpuiac; prepare_host "$V"; mkdir -p "$V/tf"
{ echo 'terraform {'; echo '  required_providers {'; echo '    vgpu = { source = "vgpuiac/vgpu" }'; echo '  }'; echo '}'; echo 'provider "vgpu" {'; node_block pve1 "$V"; echo '}'
  cat <<TF
resource "vgpu_unlock" "u" {
  node           = "pve1"
  library_source = "$WORK/files/libvgpu_unlock_rs.so"
  library_sha256 = filesha256("$WORK/files/libvgpu_unlock_rs.so")
}
resource "vgpu_profile_override" "p" {
  node           = "pve1"
  mdev_type      = "nvidia-46"
  num_displays   = 1
  display_width  = 1920
  display_height = 1080
  cuda_enabled   = 1
  frl_enabled    = 0
  framebuffer    = "896MiB"
  depends_on     = [vgpu_unlock.u]
}
TF
} > "$V/tf/main.tf"
v_first=$(timed bash -c "cd '$V/tf' && '$TF' apply -auto-approve -no-color")
# the bash floor: one SSH connection doing the same checks as VgpuIac's no-op apply (bench/peers/bash), on the same node
echo "[127.0.0.1]:$(jget "$V" port) $(sed -n 's/.*"host_public_key": *"\([^ ]* [^ ]*\).*/\1/p' "$V/node.json" | sed 's/\\u002B/+/g; s/\\u002F/\//g')" > "$WORK/known_hosts_floor"
FLOOR_CHECK=("$ROOT/bench/peers/bash/host-config-check.sh" 127.0.0.1 "$(jget "$V" port)" "$(jget "$V" private_key_path)" "$WORK/known_hosts_floor" "$WORK/files/libvgpu_unlock_rs.so")
v_again=(); f_again=()
# SSH connections and commands per re-apply, from the node's sshd and command logs (counts do not depend on load)
v_cmds=0; v_conns=0; f_cmds=0; f_conns=0
for _ in $(seq 1 "$HOST_RUNS"); do
  c0=$(commands_on "$V"); k0=$(connections_on "$V")
  v_again+=("$(timed bash -c "cd '$V/tf' && '$TF' apply -auto-approve -no-color")")
  v_cmds=$(( v_cmds + $(commands_on "$V") - c0 )); v_conns=$(( v_conns + $(connections_on "$V") - k0 ))
  c0=$(commands_on "$V"); k0=$(connections_on "$V")
  f_again+=("$(timed "${FLOOR_CHECK[@]}")")
  f_cmds=$(( f_cmds + $(commands_on "$V") - c0 )); f_conns=$(( f_conns + $(connections_on "$V") - k0 ))
done
per_run() { awk -v c="$1" -v r="$2" 'BEGIN { printf "%.1f", c / r }'; }
if [ "${BENCH_TRACE:-0}" = 1 ]; then
  # one more no-op apply under TF_LOG=trace; its log and the node's command log of that apply are kept
  TRACE_DIR=${BENCH_TRACE_DIR:-/tmp/vgpuiac-bench-trace}; mkdir -p "$TRACE_DIR"
  cmdlog="$(jget "$V" upper_dir)/var/lib/nodesim/commands.log"; lines=$(wc -l < "$cmdlog")
  (cd "$V/tf" && TF_LOG=trace TF_LOG_PATH="$TRACE_DIR/host-noop-apply.trace.log" "$TF" apply -auto-approve -no-color > "$TRACE_DIR/host-noop-apply.log" 2>&1) || true
  tail -n +"$(( lines + 1 ))" "$cmdlog" > "$TRACE_DIR/host-noop-apply.commands.log"
  log "3. trace of one no-op apply: $TRACE_DIR/host-noop-apply.trace.log (node commands: $TRACE_DIR/host-noop-apply.commands.log)"
fi
grep -qx "no changes" "$WORK/last.log" || { echo "the bash floor found differences on a converged node:" >&2; cat "$WORK/last.log" >&2; exit 1; }
edit_toml "$V"; v_drift=0; (cd "$V/tf" && "$TF" plan -no-color -detailed-exitcode > drift.log 2>&1) || v_drift=$?
f_drift=0; "${FLOOR_CHECK[@]}" > "$WORK/floor-drift.log" 2>&1 || f_drift=$?
# Ansible
A=$WORK/nodes/host-ansible; prepare_host "$A"
printf '[pve]\npve1 ansible_host=127.0.0.1 ansible_port=%s ansible_user=root ansible_ssh_private_key_file=%s ansible_python_interpreter=/usr/bin/python3\n' "$(jget "$A" port)" "$(jget "$A" private_key_path)" > "$WORK/inventory"
echo "[127.0.0.1]:$(jget "$A" port) $(sed -n 's/.*"host_public_key": *"\([^ ]* [^ ]*\).*/\1/p' "$A/node.json" | sed 's/\\u002B/+/g; s/\\u002F/\//g')" > "$WORK/known_hosts"
# Cold connection: every run starts its own SSH control master (a fresh ControlPath directory), as a first run of the day would.
export ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_SSH_ARGS="-o UserKnownHostsFile=$WORK/known_hosts -o ControlMaster=auto -o ControlPersist=60s" ANSIBLE_NOCOLOR=1
ANS=(ansible-playbook -i "$WORK/inventory" "$ROOT/bench/peers/ansible/host-config.yml" -e "unlock_library_file=$WORK/files/libvgpu_unlock_rs.so")
ansible_cold() { local cp; cp=$(mktemp -d "$WORK/cp.XXXXXX"); ANSIBLE_SSH_CONTROL_PATH_DIR=$cp timed "${ANS[@]}"; }
a_again=()
if command -v ansible-playbook >/dev/null; then
  a_first=$(ansible_cold)
  c0=$(commands_on "$A"); k0=$(connections_on "$A")
  for _ in $(seq 1 $(( HOST_RUNS < 3 ? HOST_RUNS : 3 ))); do a_again+=("$(ansible_cold)"); done
  a_cmds=$(( $(commands_on "$A") - c0 )); a_conns=$(( $(connections_on "$A") - k0 ))
  edit_toml "$A"; ANSIBLE_SSH_CONTROL_PATH_DIR=$(mktemp -d "$WORK/cp.XXXXXX") "${ANS[@]}" > "$WORK/ansible-drift.log" 2>&1 || true
  a_drift=$(grep -o 'changed=[0-9]*' "$WORK/ansible-drift.log" | tail -1)
else a_first=0; a_again=(0); a_drift="ansible not installed"; a_cmds=0; a_conns=0; fi
# terraform_data + remote-exec
R=$WORK/nodes/host-remote; prepare_host "$R"; mkdir -p "$R/tf"; cp "$ROOT/bench/peers/remote-exec/main.tf" "$R/tf/"
cat > "$R/tf/terraform.tfvars" <<VARS
host = "127.0.0.1"
port = $(jget "$R" port)
private_key_file = "$(jget "$R" private_key_path)"
host_key = "$(sed -n 's/.*"host_public_key": *"\([^ ]* [^ ]*\).*/\1/p' "$R/node.json" | sed 's/\\u002B/+/g; s/\\u002F/\//g')"
unlock_library_file = "$WORK/files/libvgpu_unlock_rs.so"
VARS
(cd "$R/tf" && TF_CLI_CONFIG_FILE=/dev/null "$TF" init -no-color > init.log 2>&1) || true
r_first=$(timed bash -c "cd '$R/tf' && TF_CLI_CONFIG_FILE=/dev/null '$TF' apply -auto-approve -no-color")
c0=$(commands_on "$R"); k0=$(connections_on "$R")
r_again=$(timed bash -c "cd '$R/tf' && TF_CLI_CONFIG_FILE=/dev/null '$TF' apply -auto-approve -no-color")
r_cmds=$(( $(commands_on "$R") - c0 )); r_conns=$(( $(connections_on "$R") - k0 ))
edit_toml "$R"; r_drift=0; (cd "$R/tf" && TF_CLI_CONFIG_FILE=/dev/null "$TF" plan -no-color -detailed-exitcode > drift.log 2>&1) || r_drift=$?
v_med=$(median "${v_again[@]}"); f_med=$(median "${f_again[@]}"); a_med=$(median "${a_again[@]}")
{
  echo "## 3. The tutorial's host configuration (vgpu_unlock + drop-ins + a profile override; host driver already present)"
  echo
  echo "Re-apply with nothing to do: median of $HOST_RUNS runs for VgpuIac and the bash floor (interleaved), of ${#a_again[@]} for Ansible."
  echo
  echo "| tool | first apply ms | re-apply with nothing to do ms | min | max | VgpuIac re-apply / peer | SSH connections per re-apply | SSH commands per re-apply | notices a hand edit of profile_override.toml |"
  echo "|---|---|---|---|---|---|---|---|---|"
  read -r mn _ mx <<< "$(stats "${v_again[@]}")"
  echo "| VgpuIac (terraform apply) | $(ms "$v_first") | $(ms "$v_med") | $(ms "$mn") | $(ms "$mx") | 1.00 | $(per_run "$v_conns" "${#v_again[@]}") | $(per_run "$v_cmds" "${#v_again[@]}") | $([ "$v_drift" = 2 ] && echo "yes: plan shows the change" || echo "no (exit $v_drift)") |"
  read -r mn _ mx <<< "$(stats "${f_again[@]}")"
  echo "| bash floor: one SSH connection, the same checks, changes nothing | n/a | $(ms "$f_med") | $(ms "$mn") | $(ms "$mx") | $(ratio "$v_med" "$f_med") | $(per_run "$f_conns" "${#f_again[@]}") | $(per_run "$f_cmds" "${#f_again[@]}") | $([ "$f_drift" = 2 ] && echo "yes: reports it" || echo "no (exit $f_drift)") |"
  read -r mn _ mx <<< "$(stats "${a_again[@]}")"
  echo "| Ansible playbook, cold connection | $(ms "$a_first") | $(ms "$a_med") | $(ms "$mn") | $(ms "$mx") | $(ratio "$v_med" "$a_med") | $(per_run "$a_conns" "${#a_again[@]}") | $(per_run "$a_cmds" "${#a_again[@]}") | $([ "${a_drift#changed=}" != 0 ] && echo "yes: rewrites it ($a_drift)" || echo "no ($a_drift)") |"
  echo "| terraform_data + remote-exec | $(ms "$r_first") | $(ms "$r_again") | $(ms "$r_again") | $(ms "$r_again") | $(ratio "$v_med" "$r_again") | $r_conns | $r_cmds | $([ "$r_drift" = 2 ] && echo "yes" || echo "no: plan says no changes") |"
  echo
  echo "No-op apply vs the bash floor: **$(ratio "$v_med" "$f_med")x** (goal <= 1.5x). Ansible (cold) / VgpuIac: **$(ratio "$a_med" "$v_med")x** (goal >= 10x)."
  echo
  echo "SSH connections and commands are counted from the node's sshd log and command log (exec requests); they do not depend on load."
  echo "Terraform runs the provider binary directly here (section 2 wraps it in /usr/bin/time for its CPU and memory figures)."
  echo
} >> "$OUT"
fi

# ---------------------------------------------------------------------------------------------------------------
# 5. Codec and parser micro-benchmarks
# ---------------------------------------------------------------------------------------------------------------
log "5. micro-benchmarks"
[ "${BENCH_MICRO:-1}" = 0 ] || {
  echo "## 5. Codec and parser micro-benchmarks (BenchmarkDotNet)"
  echo
  if [ "$SMOKE" = 1 ]; then JOB=(--job dry --inProcess); else JOB=(--job short --inProcess); fi
  (cd "$WORK" && dotnet "$ROOT/bench/VgpuIac.Benchmarks/bin/Release/net10.0/VgpuIac.Benchmarks.dll" --filter '*' "${JOB[@]}" --exporters github > bdn.log 2>&1) || { tail -20 "$WORK/bdn.log" >&2; exit 1; }
  cat "$WORK"/BenchmarkDotNet.Artifacts/results/*-report-github.md | sed -n '/^|/p'
  echo
} >> "$OUT"

# ---------------------------------------------------------------------------------------------------------------
{
  echo "# VgpuIac benchmarks"
  echo
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r), $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1); load average $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "$("$TF" version | head -1), .NET SDK $(dotnet --version), $(command -v ansible-playbook >/dev/null && { ansible-playbook --version 2>/dev/null || true; } | head -1 || echo 'ansible not installed')."
  [ "$SMOKE" = 1 ] && echo && echo "**Smoke run** (BENCH_SMOKE=1): tiny sizes, figures not meaningful."
  echo
  cat "$OUT"
} > "$WORK/final.md"
if [ "$SMOKE" = 1 ] || [ -n "${BENCH_OUT:-}" ]; then
  cp "$WORK/final.md" "${BENCH_OUT:-$ROOT/artifacts/bench-smoke.md}"
else
  mkdir -p bench/results; cp "$WORK/final.md" bench/results/latest.md; cp "$WORK/final.md" "bench/results/$(date -u +%Y-%m-%d).md"
fi
cat "$WORK/final.md"
