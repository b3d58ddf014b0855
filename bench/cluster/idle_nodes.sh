#!/usr/bin/env bash
# CPU that cluster nodes burn while they have nothing to do: a coordinator (tiny preset), a verifier, a guide and a
# rollout node, no learner, so the run never starts. After a 20 s settle, prints the cores each node kept busy over
# 30 s (utime + stime from /proc). On a 2-core machine every idle node's share is taken from the learner.
#   bench/cluster/idle_nodes.sh [REMIT_BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
remit=${1:-src/ReMiT.Cli/bin/Release/net10.0/linux-x64/remit}
[ -x "$remit" ] || { echo "idle_nodes.sh: $remit is not an executable; build first (dotnet build -c Release)" >&2; exit 2; }
free_port() { local p=$1; while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done; echo "$p"; }
run=$(mktemp -d)
pids=()
trap '{ kill "${pids[@]}"; sleep 2; kill -9 "${pids[@]}"; wait; } 2>/dev/null || true; rm -rf "$run"' EXIT
export REMIT_THREADS=1 DOTNET_gcServer=0
port=$(free_port 4953) m=$(free_port 9564)
"$remit" node --role coordinator --run-dir "$run" --port "$port" --metrics-port "$m" --preset tiny >"$run/coordinator.log" 2>&1 & pids+=($!)
for _ in $(seq 1 240); do
  [ -f "$run/tokenizer/tokenizer.json" ] && (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.5
done
roles=(coordinator verifier guide rollout)
for role in verifier guide rollout; do
  m=$(free_port $((m + 1)))
  "$remit" node --role "$role" --seed-nodes "akka.tcp://remit@127.0.0.1:$port" --run-dir "$run" --port 0 --metrics-port "$m" >"$run/$role.log" 2>&1 & pids+=($!)
done
sleep 20
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
before=(); for p in "${pids[@]}"; do before+=("$(ticks "$p")"); done
sleep 30
hz=$(getconf CLK_TCK)
for i in "${!pids[@]}"; do
  awk -v r="${roles[$i]}" -v a="${before[$i]}" -v b="$(ticks "${pids[$i]}")" -v hz="$hz" 'BEGIN { printf "%s %.3f cores\n", r, (b - a) / hz / 30 }'
done
