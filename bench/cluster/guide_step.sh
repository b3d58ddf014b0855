#!/usr/bin/env bash
# Step time of ReMiT mid-training (guide on its own node, scoring ahead of the learner) against
# uniform mid-training, on the tiny model: a shortened tiny flywheel on a local cluster, one torch
# thread per process (learner and guide each get a core of a 2-core machine), then the same run in
# one process (every role in one ActorSystem, 2 threads shared). Prints the per-stage seconds and
# the remit/uniform ratio from stages/*.json.
#   bench/cluster/guide_step.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-$(mktemp -d)}
sets=(--set pretrain.stable_steps=100 --set pretrain.documents=4000 --set tokenizer.documents=1000
      --set mid_train.decay_steps=100 --set mid_train.documents=4000 --set rl.steps=2 --set eval.per_op=1 --set eval.samples=1)
ratio() {
  python3 - "$1" <<'PY'
import json, sys
d = sys.argv[1]
s = {k: json.load(open(f"{d}/stages/midtrain_{k}.json")) for k in ("uniform", "remit")}
u, r = s["uniform"]["seconds"] / s["uniform"]["steps"], s["remit"]["seconds"] / s["remit"]["steps"]
print(f"{d}: uniform {u*1000:.0f} ms/step, remit {r*1000:.0f} ms/step, remit/uniform {r/u:.3f}")
PY
}
cluster/local/up.sh --preset tiny --learners 1 --rollouts 1 --out "$out/cluster" "${sets[@]}" >/dev/null
ratio "$out/cluster"
src/ReMiT.Cli/bin/Release/net10.0/linux-x64/remit flywheel --preset tiny --out "$out/one-process" "${sets[@]}" >/dev/null
ratio "$out/one-process"
