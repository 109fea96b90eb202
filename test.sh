#!/usr/bin/env bash
# Installs what the tests need (if missing), builds the solution, publishes the NativeAOT device binaries the device
# tests run (linux-arm64 under QEMU, linux-x64; incremental), and runs every test project.
# Ends with one line "N passed, N failed" summed over all test projects; exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")"
root=$PWD
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

bash tools/setup.sh || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

results=$root/artifacts/test-results
rm -rf "$results"; mkdir -p "$results"

dotnet build EdgeQ.sln -c Release -v q -nologo || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

status=0
bash tools/arm/publish-device.sh || { echo "device publish failed"; status=1; }

for proj in tests/*/*.csproj; do
  name=$(basename "$proj" .csproj)
  echo "== $name"
  dotnet test "$proj" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=detailed" \
    --results-directory "$results" || status=1
done

passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
[ $status -ne 0 ] && [ $failed -eq 0 ] && failed=1   # a test project that crashed before writing results still counts
echo "$passed passed, $failed failed"
[ $status -eq 0 ] && [ $failed -eq 0 ]
