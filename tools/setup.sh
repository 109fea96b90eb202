#!/usr/bin/env bash
# Installs what the build and tests need, only where it is missing: Debian packages (ARM64 cross toolchain, QEMU user
# mode, the ONNX backend test data, libjpeg-turbo for Pillow-identical JPEG decoding, sshd for the deploy tests), NuGet
# restore, then the model packages (tools/fetch-models.sh). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(clang lld gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static libonnx-testdata libturbojpeg0 openssh-server)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi

dotnet restore EdgeQ.sln -v q --nologo

bash tools/fetch-models.sh
