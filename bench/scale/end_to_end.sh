#!/usr/bin/env bash
# Issue 13 D, end to end at size, on CPU:
#  (i)  a Llama-3.2-1B-shaped model (hidden 2048, 16 layers, 32 heads, 8 KV heads, intermediate 8192, vocabulary 128256,
#       tied embeddings, llama3 RoPE scaling) with random weights, bfloat16, written in >= 2 shards, through
#       `remit score` and `remit generate`;
#  (ii) a Qwen2.5-0.5B-shaped model (hidden 896, 24 layers, 14 heads, 2 KV heads, intermediate 4864, vocabulary
#       151936, tied embeddings) through one ReMiT-weighted mid-training step and one GRPO learner step (synthetic
#       rollouts: `remit bench dp --grpo`) on 2 ranks under mpirun with ZeRO-1, bfloat16;
#  (iii) `remit plan` for both beforehand, and every step's peak resident memory per rank (GNU time's maximum RSS)
#       after, in OUT/summary.json.
# --size toy runs the same commands on tiny shapes in seconds (tests/ReMiT.Cli.Tests runs it); only the numbers in
# the shape block below differ. --size real needs ~20 GB of memory and a few minutes on 2 cores.
#   bench/scale/end_to_end.sh OUT [--size toy|real]
# Environment: REMIT_DLL (default: this checkout's Release build), DOTNET (default: dotnet).
set -euo pipefail
usage="usage: end_to_end.sh OUT [--size toy|real]"
out=${1:?$usage}
shift
size=toy
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size=${2:?$usage}; shift 2 ;;
    *) echo "end_to_end.sh: unknown argument '$1'; $usage" >&2; exit 2 ;;
  esac
done

# ---- the shapes: the only place toy and real differ ----
case "$size" in
  real)
    # hidden layers heads kv_heads intermediate vocab head_dim (Llama; Qwen2's is hidden / heads)
    llama=(2048 16 32 8 8192 128256 64)
    qwen=(896 24 14 2 4864 151936 64)
    shard_size=1GB                                 # bf16 Llama-1B is ~2.5 GB: 3 files
    score_rows=2 score_len=256 prompts=2 prompt_len=32 new_tokens=16
    train_batch=4 train_len=512 grpo_prompts=2 grpo_len=256
    ;;
  toy)
    llama=(64 2 4 2 128 512 16)
    qwen=(32 2 4 2 64 512 8)
    shard_size=100KB                               # bf16 toy Llama is ~270 KB: 3 files
    score_rows=4 score_len=32 prompts=2 prompt_len=8 new_tokens=8
    train_batch=4 train_len=32 grpo_prompts=2 grpo_len=24
    ;;
  *) echo "end_to_end.sh: --size must be toy or real, got '$size'" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/../.." && pwd)
remit=${REMIT_DLL:-$root/src/ReMiT.Cli/bin/Release/net10.0/linux-x64/remit.dll}
dotnet=${DOTNET:-dotnet}
[ -f "$remit" ] || { echo "end_to_end.sh: $remit not found; build first (dotnet build -c Release) or set REMIT_DLL" >&2; exit 1; }
command -v mpirun >/dev/null || { echo "end_to_end.sh: mpirun not found; install openmpi-bin (apt-get install openmpi-bin)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
export TERM=dumb  # mpirun gives ranks a pty; without this .NET prefixes its output with terminal escapes
log="$out/log.txt"
: > "$log"

remit() { "$dotnet" "$remit" "$@"; }
# remit ARGS, recording its maximum resident set (kB) in FILE with GNU time when it is installed.
timed() {
  local file=$1; shift
  if [ -x /usr/bin/time ]; then /usr/bin/time -f %M -o "$file" "$dotnet" "$remit" "$@"; else remit "$@"; fi
}
# 2 ranks; each rank's maximum RSS goes to PREFIX.RANK.
remit2() {
  local prefix=$1; shift
  mpirun --allow-run-as-root --oversubscribe -np 2 sh -c \
    'if [ -x /usr/bin/time ]; then exec /usr/bin/time -f %M -o "$0.$OMPI_COMM_WORLD_RANK" "$@"; else exec "$@"; fi' \
    "$prefix" "$dotnet" "$remit" "$@"
}
last_json() { grep -o '{.*}' | tail -n 1; }
json_bytes() { grep -o "\"$2\":[0-9]*" <<< "$1" | cut -d: -f2; }
json_gb() { json_bytes "$1" "$2" | awk '{ printf "%.2f", $1 / 1e9 }'; }
# The last JSON line of a 2-rank `remit bench dp` (STEP names it). A step that dies is reported plainly — a kill for
# memory (exit 137, SIGKILL from the kernel's OOM killer) as "does not fit", with each rank's peak — not as mpirun's
# abort text alone, and the script stops.
train_step() {
  local step=$1 prefix=$2 status=0 output; shift 2
  output=$(remit2 "$prefix" "$@" 2>&1) || status=$?
  printf '%s\n' "$output" >> "$log"
  if (( status != 0 )); then
    if grep -q 'signal 9\|Killed\|exit code 137\|exited on signal 9' <<< "$output"; then
      echo "end_to_end.sh: the $step step was killed for memory: it does not fit in this machine's memory" \
           "($((available_kb / 1000000)) GB available at the start); peak RSS per rank (kB) $(rss_pair "$prefix"); see $log" >&2
    else
      echo "end_to_end.sh: the $step step failed (mpirun exit $status); see $log" >&2
    fi
    exit 1
  fi
  last_json <<< "$output"
}
rss_or_null() { if [ -s "$1" ]; then tail -n 1 "$1"; else echo null; fi; }
rss_pair() { echo "[$(rss_or_null "$1.0"), $(rss_or_null "$1.1")]"; }

# config.json of a shape: llama (llama3 RoPE scaling, as Llama 3.2) or qwen2 (q/k/v bias, as Qwen2.5); both tie embeddings.
write_config() {
  local dir=$1 type=$2 d=$3 layers=$4 heads=$5 kv=$6 ff=$7 vocab=$8 head_dim=$9
  mkdir -p "$dir"
  if [ "$type" = llama ]; then
    cat > "$dir/config.json" <<EOF
{"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": $d, "num_hidden_layers": $layers,
 "num_attention_heads": $heads, "num_key_value_heads": $kv, "intermediate_size": $ff, "vocab_size": $vocab,
 "head_dim": $head_dim, "max_position_embeddings": 131072, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
 "rope_scaling": {"rope_type": "llama3", "factor": 32.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                  "original_max_position_embeddings": 8192},
 "tie_word_embeddings": true, "attention_bias": false, "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2}
EOF
  else
    cat > "$dir/config.json" <<EOF
{"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"], "hidden_size": $d, "num_hidden_layers": $layers,
 "num_attention_heads": $heads, "num_key_value_heads": $kv, "intermediate_size": $ff, "vocab_size": $vocab,
 "max_position_embeddings": 32768, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
 "tie_word_embeddings": true, "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2}
EOF
  fi
}

# JSON Lines of ROWS random token-id rows of LEN ids below VOCAB (awk's seeded generator: the same file every run).
random_ids() {
  awk -v rows="$1" -v len="$2" -v vocab="$3" 'BEGIN { srand(13); for (r = 0; r < rows; r++) {
    printf "{\"input_ids\": ["; for (i = 0; i < len; i++) printf "%s%d", (i ? ", " : ""), 3 + int(rand() * (vocab - 3)); print "]}" } }'
}

available_kb=$(awk '/MemAvailable/ { print $2 }' /proc/meminfo)
echo "end_to_end.sh --size $size: $(nproc) cores, $((available_kb / 1000000)) GB available" | tee -a "$log"

# ---- (i) Llama-shaped: random bf16 weights in shards, score, generate ----
write_config "$out/llama-config" llama "${llama[@]}"
llama_plan_args=(plan --model "$out/llama-config" --ranks 1 --seq-len "$score_len" --batch "$score_rows" --dtype bf16
  --rollout-batch "$prompts" --group-size 1 --prompt-len "$prompt_len" --max-new-tokens "$new_tokens")
llama_plan=$(remit "${llama_plan_args[@]}" --json | last_json)
echo "plan llama: $llama_plan" >> "$log"
# This model is only scored and generated with, so of its plan only the weights, the KV cache and the prefill apply:
# remit plan's training figures, and its rollout peak (which also holds a learner's gradients and optimizer state),
# are for work this script never does.
gen_bytes=$(( $(json_bytes "$llama_plan" weights_bytes) + $(json_bytes "$llama_plan" kv_cache_bytes) + $(json_bytes "$llama_plan" prefill_bytes) ))
echo "plan llama (score and generate only): weights $(json_gb "$llama_plan" weights_bytes) GB + KV cache" \
     "$(json_gb "$llama_plan" kv_cache_bytes) GB + prefill $(json_gb "$llama_plan" prefill_bytes) GB =" \
     "$(awk -v b="$gen_bytes" 'BEGIN { printf "%.2f", b / 1e9 }') GB of live tensors" | tee -a "$log"
timed "$out/rss-llama-init" convert --model "$out/llama-config" --random-weights 1 --out "$out/llama" \
  --dtype bfloat16 --max-shard-size "$shard_size" | tee -a "$log"
llama_files=$(find "$out/llama" -name 'model-*-of-*.safetensors' | wc -l)
[ "$llama_files" -ge 2 ] || { echo "end_to_end.sh: expected >= 2 weight shards in $out/llama, found $llama_files" >&2; exit 1; }
random_ids "$score_rows" "$score_len" "${llama[5]}" > "$out/score-in.jsonl"
random_ids "$prompts" "$prompt_len" "${llama[5]}" > "$out/generate-in.jsonl"
timed "$out/rss-llama-score" score --model "$out/llama" --dtype bfloat16 --batch-size "$score_rows" \
  --input "$out/score-in.jsonl" --output "$out/score-out.jsonl" >> "$log" 2>&1
timed "$out/rss-llama-generate" generate --model "$out/llama" --dtype bfloat16 --temperature 0 \
  --max-new-tokens "$new_tokens" --input "$out/generate-in.jsonl" --output "$out/generate-out.jsonl" >> "$log" 2>&1
scored=$(wc -l < "$out/score-out.jsonl")
generated=$(wc -l < "$out/generate-out.jsonl")

# ---- (ii) Qwen2.5-shaped: ReMiT mid-training step and GRPO step, 2 ranks, ZeRO-1, bf16 ----
write_config "$out/qwen-config" qwen "${qwen[@]}"
qwen_plan_args=(plan --model "$out/qwen-config" --ranks 2 --zero 1 --seq-len "$train_len" --batch "$train_batch" --dtype bf16
  --rollout-batch $((4 * grpo_prompts)) --group-size 4 --prompt-len "$grpo_len" --max-new-tokens "$grpo_len")
remit "${qwen_plan_args[@]}"   # per rank: two ranks need twice its total
qwen_plan=$(remit "${qwen_plan_args[@]}" --json | last_json)
echo "plan qwen: $qwen_plan" >> "$log"
# The GRPO step's rows per rank (4·grpo_prompts rollouts of <= grpo_len tokens over 2 ranks) hold as many tokens as the
# mid-training step's (train_batch rows of train_len over 2 ranks), so the one plan covers both.
midtrain=$(train_step mid-training "$out/rss-qwen-midtrain" bench dp --model "$out/qwen-config" --dtype bfloat16 --zero 1 \
  --weighting remit --steps 1 --accumulation 1 --batch "$train_batch" --seq-len "$train_len" --json)
grpo=$(train_step GRPO "$out/rss-qwen-grpo" bench dp --model "$out/qwen-config" --dtype bfloat16 --zero 1 --grpo \
  --steps 1 --batch "$grpo_prompts" --seq-len "$grpo_len" --json)

cat > "$out/summary.json" <<EOF
{"size": "$size", "mem_available_kb_at_start": $available_kb,
 "llama": {"plan": $llama_plan, "weight_files": $llama_files, "scored_rows": $scored, "generated_rows": $generated,
           "max_rss_kb": {"init": $(rss_or_null "$out/rss-llama-init"), "score": $(rss_or_null "$out/rss-llama-score"),
                          "generate": $(rss_or_null "$out/rss-llama-generate")}},
 "qwen": {"plan": $qwen_plan,
          "midtrain": {"bench": $midtrain, "max_rss_kb_per_rank": $(rss_pair "$out/rss-qwen-midtrain")},
          "grpo": {"bench": $grpo, "max_rss_kb_per_rank": $(rss_pair "$out/rss-qwen-grpo")}}}
EOF
echo "measured max RSS per rank (kB): mid-training $(rss_pair "$out/rss-qwen-midtrain"), GRPO $(rss_pair "$out/rss-qwen-grpo");" \
     "Llama score $(rss_or_null "$out/rss-llama-score"), generate $(rss_or_null "$out/rss-llama-generate")" | tee -a "$log"
echo "end_to_end.sh: wrote $out/summary.json" | tee -a "$log"
