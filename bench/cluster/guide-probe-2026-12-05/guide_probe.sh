#!/usr/bin/env bash
# Run from anywhere: bench/cluster/guide-probe-2026-12-05/guide_probe.sh OUT (needs a Release build of the CLI).
# The cluster half of bench/cluster/guide_step.sh (same settings), with per-process CPU sampled.
# PIN=1: the learner alone on CPU 0, every other node on CPU 1 (results: default.txt, pinned.txt).
# NICE_GUIDE=N: the guide node runs at nice N, so the learner's threads win every contended time slice.
set -u
out=$1; shift
here=$(cd "$(dirname "$0")" && pwd); cd "$here/../../.."
sets=(--set pretrain.stable_steps=100 --set pretrain.documents=4000 --set tokenizer.documents=1000
      --set mid_train.decay_steps=100 --set mid_train.documents=4000 --set rl.steps=2 --set eval.per_op=1 --set eval.samples=1)
rm -rf "$out"; mkdir -p "$out"
"$here/cpu_sampler.sh" "$out/cpu.txt" & sampler=$!
place=()
if [ -n "${NICE_GUIDE:-}" ]; then
  ( for _ in $(seq 1 1200); do p=$(pgrep -f "remit node --role guide" | head -1); [ -n "$p" ] && { renice -n "$NICE_GUIDE" -p "$p" >/dev/null; exit 0; }; sleep 0.5; done ) &
fi
if [ "${PIN:-0}" = 1 ]; then "$here/pin_learner.sh" > "$out/pin.log" 2>&1 & place=(taskset -c 1); fi
"${place[@]}" env REMIT=src/ReMiT.Cli/bin/Release/net10.0/linux-x64/remit cluster/local/up.sh --preset "${PRESET:-tiny}" --learners 1 --rollouts 1 --out "$out/cluster" "${sets[@]}" "$@" > "$out/up.log" 2>&1
kill $sampler
python3 - "$out" <<'PY'
import json, sys, collections, datetime
d = sys.argv[1]
def window(stage):
    ts = [json.loads(l)["time"] for l in open(f"{d}/cluster/metrics.jsonl") if f'"stage":"{stage}"' in l]
    f = lambda t: datetime.datetime.fromisoformat(t[:26]).replace(tzinfo=datetime.timezone.utc).timestamp()
    return f(min(ts)), f(max(ts))
rows = [l.split() for l in open(f"{d}/cpu.txt")]
for k in ("uniform", "remit"):
    s = json.load(open(f"{d}/cluster/stages/midtrain_{k}.json"))
    a, b = window(f"midtrain:{k}")
    per = collections.defaultdict(list)
    for t, role, pid, ticks in rows:
        if a <= float(t) <= b: per[(role, pid)].append((float(t), int(ticks)))
    steps = s["steps"]
    cpu = {r: (v[-1][1] - v[0][1]) / 100 / (v[-1][0] - v[0][0]) for (r, p), v in per.items() if len(v) > 1}
    print(f"{k}: {s['seconds']/steps*1000:.0f} ms/step; CPU cores busy per role over the stage: " +
          ", ".join(f"{r} {c:.2f}" for r, c in sorted(cpu.items())))
PY
