#!/usr/bin/env bash
# make release: registry artifacts in artifacts/release — one zip per OS/arch with terraform-provider-vgpu_v<version>,
# (and, at the end, the Pulumi plugin archives pulumi-resource-vgpu-v<version>-<os>-<arch>.tar.gz),
# SHA256SUMS and terraform-registry-manifest.json (the layout GoReleaser gives Go providers).
# linux_amd64 is Native AOT (built here). Native AOT cannot cross-compile to other OSes or to arm64 without their
# toolchains, so the other targets are self-contained single-file .NET executables (RELEASE_TARGETS to choose).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=${1:?usage: release.sh VERSION}
OUT=$PWD/artifacts/release
# win-arm64 is left out by default: its runtime packs (Microsoft.NETCore.App.Runtime.win-arm64 and the ASP.NET Core
# one) are not served by the NuGet feed our build machines use; add it with RELEASE_TARGETS where they are.
TARGETS=${RELEASE_TARGETS:-"linux-x64 linux-arm64 osx-x64 osx-arm64 win-x64"}
rm -rf "$OUT"; mkdir -p "$OUT"
os_arch() { case $1 in linux-x64) echo linux_amd64;; linux-arm64) echo linux_arm64;; osx-x64) echo darwin_amd64;; osx-arm64) echo darwin_arm64;; win-x64) echo windows_amd64;; win-arm64) echo windows_arm64;; esac; }
for rid in $TARGETS; do
  stage=$(mktemp -d)
  if [ "$rid" = linux-x64 ]; then
    dotnet publish provider/VgpuIac.Terraform -c Release -r "$rid" -p:PublishAot=true -p:Version="$VERSION" -o "$stage/bin" -v q -nologo
  else
    dotnet publish provider/VgpuIac.Terraform -c Release -r "$rid" -p:PublishAot=false -p:SelfContained=true -p:PublishSingleFile=true \
      -p:IncludeNativeLibrariesForSelfExtract=true -p:Version="$VERSION" -o "$stage/bin" -v q -nologo
  fi
  ext=; [[ $rid == win-* ]] && ext=.exe
  mkdir -p "$stage/zip"
  cp "$stage/bin/terraform-provider-vgpu$ext" "$stage/zip/terraform-provider-vgpu_v$VERSION$ext"
  cp LICENSE "$stage/zip/" 2>/dev/null || true
  (cd "$stage/zip" && zip -q -X "$OUT/terraform-provider-vgpu_${VERSION}_$(os_arch "$rid").zip" ./*)
  rm -rf "$stage"
done
cat > "$OUT/terraform-provider-vgpu_${VERSION}_manifest.json" <<JSON
{
  "version": 1,
  "metadata": {
    "protocol_versions": ["6.0"]
  }
}
JSON
(cd "$OUT" && sha256sum ./*.zip ./*_manifest.json | sed 's| \./| |' > "terraform-provider-vgpu_${VERSION}_SHA256SUMS")
# Pulumi: pulumi-resource-vgpu-v<version>-<os>-<arch>.tar.gz with the plugin binary at the archive root, the names the
# Pulumi CLI downloads from the schema's pluginDownloadURL (`pulumi plugin install resource vgpu <version> -f <archive>`
# installs one by hand), and their SHA-256 sums.
pulumi_os_arch() { case $1 in linux-x64) echo linux-amd64;; linux-arm64) echo linux-arm64;; osx-x64) echo darwin-amd64;; osx-arm64) echo darwin-arm64;; win-x64) echo windows-amd64;; win-arm64) echo windows-arm64;; esac; }
for rid in $TARGETS; do
  stage=$(mktemp -d)
  if [ "$rid" = linux-x64 ]; then
    dotnet publish pulumi/VgpuIac.Pulumi -c Release -r "$rid" -p:PublishAot=true -p:Version="$VERSION" -o "$stage/bin" -v q -nologo
  else
    dotnet publish pulumi/VgpuIac.Pulumi -c Release -r "$rid" -p:PublishAot=false -p:SelfContained=true -p:PublishSingleFile=true \
      -p:IncludeNativeLibrariesForSelfExtract=true -p:Version="$VERSION" -o "$stage/bin" -v q -nologo
  fi
  ext=; [[ $rid == win-* ]] && ext=.exe
  mkdir -p "$stage/tar"
  cp "$stage/bin/pulumi-resource-vgpu$ext" "$stage/tar/"
  cp LICENSE "$stage/tar/" 2>/dev/null || true
  tar -C "$stage/tar" --owner=0 --group=0 --numeric-owner -czf "$OUT/pulumi-resource-vgpu-v$VERSION-$(pulumi_os_arch "$rid").tar.gz" .
  rm -rf "$stage"
done
(cd "$OUT" && sha256sum ./pulumi-resource-vgpu-*.tar.gz | sed 's| \./| |' > "pulumi-resource-vgpu-v${VERSION}-SHA256SUMS")
ls -l "$OUT"
