#!/usr/bin/env bash
# Publishes edgeq-run with NativeAOT and fails on any AOT/trim warning. Each target is a runtime identifier
# (linux-arm64, linux-x64: the generic builds, into artifacts/device/<rid>/) or a board id from boards/ (a linux-arm64
# build with the board's ilcInstructionSet, into artifacts/device/<id>/). Default: linux-arm64 linux-x64 pi5.
# Prints each stripped size and the newest glibc symbol version the binary needs.
# Re-runs are incremental: MSBuild skips the native compile when nothing it depends on changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

targets=("$@"); [ ${#targets[@]} -gt 0 ] || targets=(linux-arm64 linux-x64 pi5)
for target in "${targets[@]}"; do
  case "$target" in
    linux-x64) rid=linux-x64; extra=() ;;
    linux-arm64) rid=linux-arm64; extra=() ;;
    *)
      profile=boards/$target.json
      [ -f "$profile" ] || { echo "publish-device: '$target' is neither linux-arm64, linux-x64 nor a board in boards/" >&2; exit 2; }
      rid=linux-arm64
      isa=$(grep -o '"ilcInstructionSet": *"[^"]*"' "$profile" | sed 's/.*: *"\(.*\)"/\1/')
      # Separate native intermediate and output folders: shared ones would make the generic and the board build
      # overwrite each other (and force a full native recompile on every run). The quotes keep MSBuild from splitting
      # the instruction set at its commas.
      extra=("-p:IlcInstructionSet=\"$isa\"" "-p:NativeIntermediateOutputPath=$PWD/artifacts/obj/device-$target/"
             "-p:NativeOutputPath=$PWD/artifacts/obj/device-$target/out/") ;;
  esac
  # Cross-linking: clang targets aarch64 against the Debian arm64 cross libc under / with lld (DEVELOPERS.md recipe).
  if [ "$rid" = linux-arm64 ]; then cross=(-p:SysRoot=/ -p:LinkerFlavor=lld); objdump=aarch64-linux-gnu-objdump
  else cross=(); objdump=objdump; fi
  out=artifacts/device/$target
  log=$(mktemp)
  if ! dotnet publish device/EdgeQ.Device -c Release -r "$rid" -p:PublishAot=true "${cross[@]}" "${extra[@]}" \
      -o "$out" -nologo >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"
    echo "publish-device: $target publish failed (output above; a missing cross toolchain is installed by tools/setup.sh)" >&2
    exit 1
  fi
  # Our analyzers already fail the build on warnings; this also catches ILC's whole-program AOT/trim warnings.
  if grep -E ': warning (IL|AOT)[0-9]+' "$log" >&2; then
    rm -f "$log"; echo "publish-device: $target has AOT/trim warnings (above)" >&2; exit 1
  fi
  rm -f "$log"
  binary=$out/edgeq-run
  glibc=$("$objdump" -T "$binary" | grep -o 'GLIBC_[0-9.]*' | sort -Vu | tail -1)
  printf 'publish-device: %-11s %s  %s bytes stripped, needs %s\n' "$target" "$binary" "$(stat -c %s "$binary")" "$glibc"
done
