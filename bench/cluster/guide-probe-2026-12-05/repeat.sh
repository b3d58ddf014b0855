#!/usr/bin/env bash
# Runs guide_probe.sh N times (same environment each time) and prints every run's line and the ratio remit/uniform
# per run: on this 2-vCPU VM identical runs differ by up to ±10%, so one run cannot show a 5% effect.
#   bench/cluster/guide-probe-2026-12-05/repeat.sh OUT N   (env as for guide_probe.sh)
set -u
out=$1 n=$2
mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
for i in $(seq 1 "$n"); do
  "$here/guide_probe.sh" "$out/run-$i" > "$out/run-$i.txt"
  cat "$out/run-$i.txt"
  awk '/^uniform:/ {u = $2} /^remit:/ {r = $2} END {printf "run %d: remit/uniform %.3f\n", '"$i"', r / u}' "$out/run-$i.txt"
done
