#!/usr/bin/env bash
# ARM64 cost of one inference, counted under QEMU: EdgeQ's linux-arm64 edgeq-run against ONNX Runtime 1.31.1's arm64
# library (float model, and EdgeQ's QDQ export when given), as Cortex-A72 (Pi 4, NEON) and Cortex-A76 (Pi 5, SDOT).
# Instructions per inference = (count of 3 runs - count of 1 run) / 2, so start-up and model loading cancel out.
#
# Usage: tools/arm-bench/run.sh [--models mobilenet_v1_0.25,mobilenet_v2_1.0] [--cores a72,a76]
#                               [--qdq MODEL=PATH.onnx]... [--functions] [--layers] [--json]
#                               [--engines edgeq,ort_int8,ort_fp32] [--write-doc docs/benchmarks.md]
# --qdq names a QDQ file from `edgeq export MODEL.eqm --qdq OUT.onnx`; without one the ORT int8 column says n/a.
# --functions keeps the int8 runs' QEMU logs until functions.py has split the inference by function and kernel family
# (counts/*.functions.json, a table in the report; MobileNetV1-0.25: about 1 GB of log per EdgeQ run and 3.5 GB per
# ONNX Runtime run while they last). --layers also splits EdgeQ's inference by layer (layers.py on the kept 3-run log:
# counts/*.layers.json, a per-layer table in the report).
# --engines counts only the engines named and keeps the other engines' counts from an earlier run (e.g. EdgeQ recounted
# after a kernel change against the same ONNX Runtime counts).
# Progress goes to stderr; the table (or --json records) to stdout. Counts land in artifacts/arm-bench/counts/.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
shared=$(cd "$root/../shared" && pwd)
icount=$shared/tools/arm-icount
with_cpuinfo=$shared/tools/with-arm-cpuinfo
ort_package=${NUGET_PACKAGES:-$HOME/.nuget/packages}/microsoft.ml.onnxruntime/1.31.1
out=artifacts/arm-bench
counts=$out/counts

models=mobilenet_v1_0.25; cores=a72,a76; report_args=(); qdq_args=(); functions=0; layers=0; engines=edgeq,ort_int8,ort_fp32
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models=$2; shift 2 ;;
    --cores) cores=$2; shift 2 ;;
    --qdq) qdq_args+=("$2"); shift 2 ;;
    --json) report_args+=(--json); shift ;;
    --write-doc) report_args+=(--write-doc "$2"); shift 2 ;;
    --functions) functions=1; shift ;;
    --layers) layers=1; shift ;;
    --engines) engines=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "arm-bench: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
qdq_for() {
  local entry
  for entry in "${qdq_args[@]}"; do [ "${entry%%=*}" = "$1" ] && { echo "${entry#*=}"; return; }; done
  return 0
}
for core in ${cores//,/ }; do
  case "$core" in a72|a76) ;; *) echo "arm-bench: --cores takes a72 and/or a76, not '$core'" >&2; exit 2 ;; esac
done
for engine in ${engines//,/ }; do
  case "$engine" in edgeq|ort_int8|ort_fp32) ;; *) echo "arm-bench: --engines takes edgeq, ort_int8 and/or ort_fp32, not '$engine'" >&2; exit 2 ;; esac
done
for entry in "${qdq_args[@]}"; do
  [ -f "${entry#*=}" ] || { echo "arm-bench: --qdq $entry: no such file" >&2; exit 2; }
done
[ -f "$ort_package/build/native/include/onnxruntime_c_api.h" ] ||
  { echo "arm-bench: ONNX Runtime 1.31.1 not in the NuGet cache ($ort_package); run 'dotnet restore tools/EdgeQ.Benchmarks'" >&2; exit 2; }

echo "arm-bench: building edgeq-run (linux-arm64), the ORT harness and the preparation helper" >&2
tools/arm/publish-device.sh linux-arm64 >&2
mkdir -p "$counts"
# The package ships libonnxruntime.so, the harness asks for its SONAME libonnxruntime.so.1 next to itself.
ln -sf "$ort_package/runtimes/linux-arm64/native/libonnxruntime.so" "$out/libonnxruntime.so.1"
aarch64-linux-gnu-gcc -O2 -Wall -Werror -o "$out/ort-run" tools/arm-bench/ort-run.c \
  -I"$ort_package/build/native/include" -L"$ort_package/runtimes/linux-arm64/native" -lonnxruntime -Wl,-rpath,'$ORIGIN'
dotnet build tools/arm-bench/ArmBenchPrep -c Release -v q -nologo >&2
echo "arm-bench: packing $models" >&2
dotnet tools/arm-bench/ArmBenchPrep/bin/Release/net10.0/arm-bench-prep.dll "$out" "$shared" ${models//,/ } > "$out/models.tsv" ||
  { echo "arm-bench: preparing the models failed" >&2; exit 1; }

# count ENGINE MODEL CORE RUNS COMMAND...: one arm-icount run, its output kept for the report. COMMAND is
# `[with-arm-cpuinfo CORE] arm-icount ARGS -- PROGRAM...`. With --functions (int8 engines) or --layers (EdgeQ) the log
# is kept (arm-icount --keep) and, after the 3-run count, split by function (functions.py, against edgeq-run or ORT's
# library) and by layer (layers.py, against edgeq-run and the op table of `edgeq-run info`).
count() {
  local engine=$1 model=$2 core=$3 runs=$4; shift 4
  [[ ",$engines," == *",$engine,"* ]] || return 0
  local file=$counts/$model.$core.$engine.$runs.txt base=$counts/$model.$core.$engine
  local command=("$@")
  local split=0 by_layer=0  # the float model's split is not part of the int8 comparison
  [ "$functions" = 1 ] && [ "$engine" != ort_fp32 ] && split=1
  [ "$layers" = 1 ] && [ "$engine" = edgeq ] && by_layer=1
  if [ "$split" = 1 ] || [ "$by_layer" = 1 ]; then
    local i; for i in "${!command[@]}"; do [ "${command[$i]}" = -- ] && break; done
    command=("${command[@]:0:$i}" --keep "$base.$runs.log" "${command[@]:$i}")
  fi
  echo "arm-bench: $model $core $engine x$runs" >&2
  "${command[@]}" > "$file"
  grep -q '^exit 0 ' "$file" || { echo "arm-bench: $model $core $engine x$runs failed:" >&2; cat "$file" >&2; exit 1; }
  [ "$runs" = 3 ] || return 0
  local module=artifacts/device/linux-arm64/edgeq-run
  if [ "$split" = 1 ]; then
    [ "$engine" = edgeq ] || module=$ort_package/runtimes/linux-arm64/native/libonnxruntime.so
    python3 tools/arm-bench/functions.py "$base.1.log" "$base.3.log" --module "$module" --json > "$base.functions.json"
  fi
  if [ "$by_layer" = 1 ]; then
    qemu-aarch64-static -cpu "cortex-$core" -L /usr/aarch64-linux-gnu "$module" info "$eqm" > "$base.info.txt"
    python3 tools/arm-bench/layers.py "$base.3.log" --module "$module" --info "$base.info.txt" --json > "$base.layers.json"
    rm -f "$base.info.txt"
  fi
  rm -f "$base.1.log" "$base.3.log"
}
for engine in ${engines//,/ }; do
  rm -f "$counts"/*."$engine".*.txt "$counts"/*."$engine".functions.json "$counts"/*."$engine".layers.json "$counts"/*."$engine".*.log
done
while IFS=$'\t' read -r model onnx eqm input _macs; do
  qdq=$(qdq_for "$model")
  for core in ${cores//,/ }; do
    for runs in 1 3; do
      count edgeq "$model" "$core" "$runs" "$icount" --cpu "cortex-$core" --top 1000 -- artifacts/device/linux-arm64/edgeq-run \
        run "$eqm" --input "$input" --output "$out/$model.output.bin" --repeat "$runs" --threads 1
      count ort_fp32 "$model" "$core" "$runs" "$with_cpuinfo" "$core" "$icount" --cpu "cortex-$core" --top 1000 -- \
        "$out/ort-run" "$onnx" "$runs"
      if [ -n "$qdq" ]; then
        count ort_int8 "$model" "$core" "$runs" "$with_cpuinfo" "$core" "$icount" --cpu "cortex-$core" --top 1000 -- \
          "$out/ort-run" "$qdq" "$runs"
      fi
    done
  done
done < "$out/models.tsv"

exec python3 tools/arm-bench/report.py "$out" "${report_args[@]}"
