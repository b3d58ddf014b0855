#!/usr/bin/env bash
# The main job: sets up (scripts/setup.sh), then runs the ReMiT flywheel with the `tiny` preset on the
# CPU into runs/tiny/ (about 18 minutes on 2 cores). Extra arguments go to `remit flywheel`, e.g.
# `bash scripts/run.sh --iterations 2`. Running it again continues an interrupted run (--resume) and
# reprints the results of a finished one; delete runs/tiny to start over.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
remit=src/ReMiT.Cli/bin/Release/net10.0/linux-x64/remit
"$remit" info
resume=()
[ -f runs/tiny/config.json ] && resume=(--resume)
"$remit" flywheel --preset tiny --out runs/tiny "${resume[@]}" "$@"
