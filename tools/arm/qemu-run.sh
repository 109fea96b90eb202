#!/usr/bin/env bash
# Runs the published linux-arm64 edgeq-run under QEMU user mode as a given core.
# Usage: tools/arm/qemu-run.sh a53|a57|a72|a76|max ARGS...   (a72 = Pi 4: no SDOT; a76 = Pi 5: SDOT)
# EDGEQ_RUN_BINARY overrides the binary (default artifacts/device/linux-arm64/edgeq-run).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
if [ $# -lt 1 ]; then
  echo "usage: $0 a53|a57|a72|a76|max ARGS..." >&2; exit 2
fi
case "$1" in
  a53|a57|a72|a76) cpu=cortex-$1 ;;
  max|neoverse-n1|cortex-*) cpu=$1 ;;
  *) echo "qemu-run: unknown CPU '$1' (a53, a57, a72, a76, max)" >&2; exit 2 ;;
esac
shift
binary=${EDGEQ_RUN_BINARY:-$root/artifacts/device/linux-arm64/edgeq-run}
if [ ! -x "$binary" ]; then
  echo "qemu-run: $binary not found; build it with tools/arm/publish-device.sh linux-arm64" >&2; exit 2
fi
exec qemu-aarch64-static -cpu "$cpu" -L /usr/aarch64-linux-gnu "$binary" "$@"
