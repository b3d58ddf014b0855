#!/usr/bin/env bash
# One device call: HF parity, bench train/generate (bf16), the PyTorch anchor and the small preset's flywheel,
# all written to one JSON file. See bench/gpu/README.md; --help lists the options.
#   bash bench/gpu/run.sh --remit remit-external/remit --device cuda --out gpu-bench.json
#   bash bench/gpu/run.sh --remit src/ReMiT.Cli/bin/Release/net10.0/remit --device cpu --toy --out /tmp/toy.json
set -euo pipefail
exec python3 "$(dirname "$0")/gpu_bench.py" "$@"
