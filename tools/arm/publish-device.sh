#!/usr/bin/env bash
# Publishes edgeq-run with NativeAOT into artifacts/device/<rid>/ (default: linux-arm64 and linux-x64), fails on any
# AOT/trim warning, and prints the stripped size and the newest glibc symbol version each binary needs.
# Usage: tools/arm/publish-device.sh [linux-arm64] [linux-x64]
# Re-runs are incremental: MSBuild skips the native compile when nothing it depends on changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

rids=("$@"); [ ${#rids[@]} -gt 0 ] || rids=(linux-arm64 linux-x64)
for rid in "${rids[@]}"; do
  case "$rid" in
    # Cross-linking: clang targets aarch64 against the Debian arm64 cross libc under / with lld (DEVELOPERS.md recipe).
    linux-arm64) cross=(-p:SysRoot=/ -p:LinkerFlavor=lld); objdump=aarch64-linux-gnu-objdump ;;
    linux-x64) cross=(); objdump=objdump ;;
    *) echo "publish-device: unsupported runtime identifier '$rid' (linux-arm64, linux-x64)" >&2; exit 2 ;;
  esac
  out=artifacts/device/$rid
  log=$(mktemp)
  if ! dotnet publish device/EdgeQ.Device -c Release -r "$rid" -p:PublishAot=true "${cross[@]}" -o "$out" -nologo >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    echo "publish-device: $rid publish failed (output above; a missing cross toolchain is installed by tools/setup.sh)" >&2; exit 1
  fi
  # Our analyzers already fail the build on warnings; this also catches ILC's whole-program AOT/trim warnings.
  if grep -E ': warning (IL|AOT)[0-9]+' "$log" >&2; then
    rm -f "$log"; echo "publish-device: $rid has AOT/trim warnings (above)" >&2; exit 1
  fi
  rm -f "$log"
  binary=$out/edgeq-run
  glibc=$("$objdump" -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -Vu | tail -1)
  printf 'publish-device: %-11s %s  %s bytes stripped, needs %s\n' "$rid" "$binary" "$(stat -c %s "$binary")" "$glibc"
done
