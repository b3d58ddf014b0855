#!/usr/bin/env bash
# CPU seconds (user + sys, one torch thread) of one sampled-evaluation-sized generation with each given remit
# binary: 10 GSM op-5 prompts × 16 samples at T = 0.7, up to 200 new tokens, one batch (as the evaluator runs an
# op). CPU time rather than wall time, so a busy machine still compares binaries fairly.
#   bench/generation/sampled_eval_cpu.sh MODEL_DIR REMIT_BINARY...
set -euo pipefail
model=$1; shift
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
first=$1
"$first" data gen --task gsm --ops 5 --n 10 --seed 77 --out "$work/op5.jsonl" >/dev/null
python3 -c "
import json, sys
with open('$work/op5.jsonl') as f, open('$work/prompts.jsonl', 'w') as g:
    for line in f: g.write(json.dumps({'text': json.loads(line)['prompt']}) + '\n')"
for remit in "$@"; do
  OMP_NUM_THREADS=1 /usr/bin/time -f "$remit: cpu %U + %S s, wall %e s" "$remit" generate --model "$model" --input "$work/prompts.jsonl" \
    --output "$work/out.jsonl" --max-new-tokens 200 --temperature 0.7 --n-samples 16 --seed 3 --batch-size 10 2>&1 | tail -1
  python3 -c "
import json
rows = [json.loads(l) for l in open('$work/out.jsonl')]
n = [len(r['completion_ids']) for r in rows]
print(f'  {len(rows)} completions, mean length {sum(n) / len(n):.1f}, longest {max(n)}, stopped {sum(r[\"stopped\"] for r in rows)}')"
done
