#!/usr/bin/env bash
# The main job: sets up (scripts/setup.sh), then runs the data and verification demo into runs/demo/.
# (The ReMiT flywheel replaces this once training lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
remit=src/ReMiT.Cli/bin/Release/net10.0/linux-x64/remit
"$remit" info
"$remit" demo --out runs/demo "$@"
echo
cat runs/demo/report.md
