#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs every test; ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh

log=$(mktemp)
status=0
dotnet test ReMiT.Distributed.sln -c Release --no-build -nologo 2>&1 | tee "$log" || status=$?

# dotnet test prints one summary per test assembly; add them up into the plain closing line.
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "suite time: $(( $(date +%s) - start )) s (setup, build and tests)"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
