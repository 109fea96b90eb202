#!/usr/bin/env bash
# Benchmarks EdgeQ against ONNX Runtime: fetches the models if missing, builds tools/EdgeQ.Benchmarks (Release) and runs
# it. Arguments pass through: --models, --threads, --runs, --warmup, --json, --write-doc FILE (see --help).
# Build output and progress go to stderr, so `./bench.sh --json` prints only the JSON array on stdout.
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
bash tools/fetch-models.sh >&2
dotnet build tools/EdgeQ.Benchmarks -c Release -v q -nologo >&2
exec dotnet tools/EdgeQ.Benchmarks/bin/Release/net10.0/edgeq-bench.dll "$@"
