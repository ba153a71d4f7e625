#!/usr/bin/env bash
# Builds the bench's Go baseline offline from Debian's packaged sources (golang-go, golang-github-hashicorp-go-plugin-dev,
# golang-google-grpc-dev): a minimal Terraform provider on HashiCorp's go-plugin, and the go-plugin client that launches
# providers the way Terraform does. Skips (exit 0, a note on stderr) when Go or the sources are missing.
# usage: build.sh OUTDIR
set -euo pipefail
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/github.com/hashicorp/go-plugin ] || [ ! -d /usr/share/gocode/src/google.golang.org/grpc ]; then
  echo "bench/goplugin: Go baseline not built (apt-get install golang-go golang-github-hashicorp-go-plugin-dev golang-google-grpc-dev)" >&2
  exit 0
fi
mkdir -p "$out"; out=$(cd "$out" && pwd)
export GOPATH=/usr/share/gocode GO111MODULE=off GOFLAGS= GOCACHE=${GOCACHE:-$out/.gocache} CGO_ENABLED=0
(cd "$here/provider" && go build -trimpath -o "$out/terraform-provider-gobaseline" .)
(cd "$here/client" && go build -trimpath -o "$out/goplugin-client" .)
