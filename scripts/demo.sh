#!/usr/bin/env bash
# make demo: a simulated Proxmox VE node with a Tesla P40, the provider built from this checkout, and the quickstart
# (examples/terraform/quickstart) planned and applied with terraform (tofu when installed), the provider installed from a local filesystem mirror.
# It shows what landed on the node, shows that a second plan has nothing to do, then destroys and cleans up.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CONFIG=${CONFIG:-Release}
TF=$(command -v tofu || command -v terraform || true)
[ -n "$TF" ] || { echo "demo: neither tofu nor terraform is on PATH" >&2; exit 1; }
PROVIDER_DIR=$ROOT/artifacts/provider
[ -x "$PROVIDER_DIR/terraform-provider-vgpu" ] || { echo "demo: $PROVIDER_DIR/terraform-provider-vgpu is missing (make provider)" >&2; exit 1; }
NODESIM=(dotnet "$ROOT/tests/VgpuIac.NodeSim/bin/$CONFIG/net10.0/VgpuIac.NodeSim.dll")
[ -f "${NODESIM[1]}" ] || NODESIM=(dotnet "$ROOT/tests/VgpuIac.NodeSim/bin/Debug/net10.0/VgpuIac.NodeSim.dll")
WORK=$(mktemp -d /tmp/vgpuiac-demo.XXXXXX)
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cleanup() {
  set +e
  if [ -f "$WORK/node/node.json" ]; then "${NODESIM[@]}" stop --state-dir "$WORK/node" >/dev/null 2>&1; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

step "Starting a simulated PVE node (real sshd in namespaces, Tesla P40, PVE 8.2, kernel 6.5)"
mkdir -p "$WORK/node"
"${NODESIM[@]}" start --state-dir "$WORK/node" --hostname pve1 --reboot-delay 1 > "$WORK/node/cli.log" 2>&1 &
for _ in $(seq 1 150); do [ -s "$WORK/node/node.json" ] && break; sleep 0.2; done
[ -s "$WORK/node/node.json" ] || { cat "$WORK/node/cli.log" >&2; exit 1; }
json() { sed -n "s/.*\"$1\": *\"\\{0,1\\}\\([^\",]*\\)\"\\{0,1\\},\\{0,1\\}$/\\1/p" "$WORK/node/node.json" | head -1 | sed 's/\\u002B/+/g; s/\\u002F/\//g'; }
HOST=$(json host); PORT=$(json port); KEY=$(json private_key_path); FP=$(json host_key_sha256)
echo "node at $HOST:$PORT, host key $FP"
node_ssh() { ssh -q -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$WORK/known_hosts" -i "$KEY" -p "$PORT" "root@$HOST" "$@"; }
echo "[$HOST]:$PORT $(sed -n 's/.*"host_public_key": *"\([^ ]* [^ ]*\).*/\1/p' "$WORK/node/node.json" | sed 's/\\u002B/+/g; s/\\u002F/\//g')" > "$WORK/known_hosts"

step "Stand-ins for NVIDIA's installers (host vgpu-kvm 535.129.03, guest grid 535.129.03)"
HOST_RUN=$("${NODESIM[@]}" write-host-installer --version 535.129.03 --out "$WORK/files")
GUEST_RUN=$("${NODESIM[@]}" write-guest-driver --version 535.129.03 --out "$WORK/files")
ls -l "$WORK/files"

step "Terraform configuration: the quickstart; the provider built from this checkout, installed from a local mirror"
cp examples/terraform/quickstart/*.tf "$WORK/"
DLS_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 18443)
cat > "$WORK/terraform.tfvars" <<TFVARS
node_host              = "$HOST"
node_port              = $PORT
private_key_file       = "$KEY"
host_key_sha256        = "$FP"
host_driver_installer  = "$HOST_RUN"
guest_driver_installer = "$GUEST_RUN"
dls_ip_address         = "192.0.2.50/24"
dls_gateway            = "192.0.2.1"
dls_url                = "127.0.0.1"
dls_port               = $DLS_PORT
TFVARS
# The provider is installed the way a user installs a release: from a local filesystem mirror (no registry, no
# network, no dev_overrides warning), so `init` is the real thing and its lock file records the binary's checksum.
MIRROR=$WORK/mirror/registry.terraform.io/vgpuiac/vgpu/0.1.0/linux_amd64
mkdir -p "$MIRROR" "$WORK/mirror/registry.opentofu.org/vgpuiac"
cp "$PROVIDER_DIR/terraform-provider-vgpu" "$MIRROR/terraform-provider-vgpu_v0.1.0"
cp -r "$WORK/mirror/registry.terraform.io/vgpuiac/vgpu" "$WORK/mirror/registry.opentofu.org/vgpuiac/"
cat > "$WORK/dev.tfrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$WORK/mirror"
    include = ["registry.terraform.io/vgpuiac/vgpu", "registry.opentofu.org/vgpuiac/vgpu"]
  }
}
RC
export TF_CLI_CONFIG_FILE=$WORK/dev.tfrc TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
cd "$WORK"
tfv=$("$TF" version); echo "${tfv%%$'\n'*}"

step "$(basename "$TF") init (from the local mirror)"
"$TF" init -no-color > init.txt 2>&1 || { cat init.txt >&2; exit 1; }
grep -E "Installed vgpuiac/vgpu|has been successfully initialized" init.txt

step "$(basename "$TF") plan"
"$TF" plan -no-color -out=tfplan

step "$(basename "$TF") apply (the node reboots to load the driver; the guest is licensed by the licence server)"
time "$TF" apply -no-color -auto-approve tfplan

step "On the node"
node_ssh 'echo "--- nvidia-smi"; nvidia-smi | head -12; echo "--- /etc/vgpu_unlock/profile_override.toml"; cat /etc/vgpu_unlock/profile_override.toml; echo "--- qm config 200"; qm config 200; echo "--- pct list"; pct list; echo "--- licence (guest nvidia-smi -q)"; qm guest exec 200 -- nvidia-smi -q | grep -o "License Status[^\\]*"'

step "Second plan: nothing to do"
set +e
"$TF" plan -no-color -detailed-exitcode > plan2.txt 2>&1; rc=$?
set -e
grep -E "No changes|Plan:" plan2.txt || true
if [ "$rc" != 0 ]; then echo "demo: the second plan was not empty (exit $rc):" >&2; cat plan2.txt >&2; exit 1; fi

step "$(basename "$TF") destroy"
"$TF" destroy -no-color -auto-approve > destroy.txt 2>&1 || { cat destroy.txt >&2; exit 1; }
grep -E "^Destroy complete" destroy.txt

step "Done: the node is stopped and its sandbox removed"
