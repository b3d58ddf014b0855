using ReMiT.Model;
using ReMiT.Training.Distributed;
using ReMiT.Training.Optim;

namespace ReMiT.Training.Planning;

/// <summary>
/// Per-rank memory of OUR learner, term by term, from the model's shape alone (nothing is allocated). Each term
/// follows what the code holds, not a textbook rule of thumb; the comments name the code. Notation: P parameters,
/// s bytes per model value (2 bf16, 4 f32), n = rows × T tokens on this rank, d hidden size, I intermediate size,
/// H/Hkv query/key-value heads of D dims (A = H·D, K = Hkv·D), L layers, V vocabulary, N ranks.
/// <para>
/// Validated against the resident memory of a real step on CPU (<c>remit bench memory</c>; bench/RESULTS.md).
/// The ZeRO-1 terms follow FlatAdamW's sharded buffers (ShardLayout) and its one-bucket staging; <c>remit bench dp
/// --zero 0|1</c> on two ranks measures the difference the plan gives (bench/RESULTS.md).
/// </para>
/// </summary>
public static class MemoryPlanner
{
    public static MemoryPlan Plan(MemoryPlanRequest request)
    {
        var problems = request.Validate();
        if (problems.Count > 0)
            throw new ArgumentException("cannot plan memory:\n  " + string.Join("\n  ", problems), nameof(request));

        var c = request.Model;
        long p = c.ParameterCount();
        int s = request.Bfloat16 ? 2 : 4;
        int rows = (request.Batch + request.Ranks - 1) / request.Ranks;
        long n = (long)rows * request.SeqLen;
        // ZeRO-1 gives each rank ⌈P / N⌉ elements of the flat buffers (ShardLayout: buckets of at most
        // FlatAdamW.ZeroBucketElements, the last one padded to N equal blocks).
        bool zero1 = request.Zero == 1 && request.Ranks > 1;
        var layout = zero1 ? new ShardLayout(p, request.Ranks, FlatAdamW.ZeroBucketElements) : null;
        long shard = layout?.ShardLength ?? p;
        long staging = layout is null ? 0 : layout.Buckets.Max(b => b.Block) * request.Ranks;

        // Weights: the model's parameters in its dtype (DecoderModel after .to(dtype)).
        long weights = p * s;

        // Gradients: autograd writes each parameter's .grad in the model dtype, and FlatAdamW.Step zeroes them
        // rather than freeing them, so they stay allocated (P·s). ZeRO 0: GatherGradients copies them into the float32
        // flat gradient that is all-reduced (4·P). ZeRO 1: no full-size copy; AverageGradients copies one bucket at a
        // time into a float32 staging buffer (4·staging) and reduce-scatters it into this rank's float32 gradient shard
        // (4·shard); a bfloat16 model also keeps a bfloat16 staging bucket for the parameters' all-gather (2·staging).
        long gradients = p * s + (zero1 ? 4 * staging + 4 * shard + (request.Bfloat16 ? 2 * staging : 0) : 4 * p);

        // Optimizer: FlatAdamW keeps three float32 flat buffers of P: Master (a separate copy even when the model is
        // float32: the model's parameters are written from it), ExpAvg and ExpAvgSq (weight decay is applied by ranges,
        // with no mask). ZeRO-1 keeps only this rank's shard of each.
        long optimizer = 3 * 4 * shard;

        // Optimizer step temporaries: FlatAdamW.Step updates in place; its one vector temporary is Adam's denominator,
        // ExpAvgSq.sqrt() (then divided and shifted in place): 4 bytes per element of this rank's shard. Under ZeRO-1
        // the updated shards are all-gathered bucket by bucket through the staging buffers; a bfloat16 model's block
        // of each bucket is first rounded into a bfloat16 temporary (2 bytes per element of the largest block). The
        // logits stay alive meanwhile: the training loop holds them in its step scope until the step ends.
        long roundedBlock = zero1 && request.Bfloat16 ? 2 * staging / request.Ranks : 0;
        long stepTemporaries = 4 * shard + roundedBlock + n * c.VocabSize * s;

        // Checkpoints: unsharded, the optimizer state is written from its own buffers and read straight into them.
        // ZeRO 1: rank 0 gathers the full state into one float32 buffer of P while it writes (TrainingCheckpoint.Save),
        // and every rank reads the saved state through one such buffer (FlatAdamW.LoadState), one at a time.
        long checkpoint = zero1 ? 4 * p : 0;

        long activations = n * ActivationBytesPerToken(c, s, request.ActivationCheckpointing);

        // KV cache of GenerationEngine: the prompts are prefilled once into a cache of ⌈R / G⌉ rows, which is then
        // copied row by row for the R samples (KvCache.Select); both stay allocated until generation ends. Each is
        // preallocated to prompt + max new tokens positions: keys and values, L layers, (rows, Hkv, positions, D), s bytes.
        int prompts = (request.RolloutBatch + request.GroupSize - 1) / request.GroupSize;
        long positions = (long)request.PromptLen + request.MaxNewTokens;
        long kvPerRow = 2L * c.NumHiddenLayers * c.NumKeyValueHeads * c.HeadDim * positions * s;
        long kvCache = kvPerRow * (prompts + request.RolloutBatch);
        // The prefill is a forward pass over (prompts, prompt length) without gradients: its logits for every prompt
        // position, (prompts, prompt length, V) in the model dtype, stay alive while the batch samples, and its
        // temporaries peak inside one block (PrefillBytesPerToken).
        long prefillTokens = (long)prompts * request.PromptLen;
        long prefill = prefillTokens * (c.VocabSize * s + PrefillBytesPerToken(c, s));

        return new MemoryPlan(p, rows, weights, gradients, optimizer, activations, stepTemporaries, kvCache, prefill, checkpoint);
    }

    /// <summary>
    /// Peak bytes per prompt token of the prefill's forward pass (no autograd, so only what the dispose scopes hold):
    /// DecoderModel.Hidden's scope keeps every block's output until it returns, and inside a block either the
    /// attention's or the MLP's scope is open, each holding all its intermediates until it returns.
    /// </summary>
    public static long PrefillBytesPerToken(DecoderConfig c, int s)
    {
        long d = c.HiddenSize, ff = c.IntermediateSize;
        long a = (long)c.NumAttentionHeads * c.HeadDim, k = (long)c.NumKeyValueHeads * c.HeadDim;
        bool grouped = c.NumKeyValueHeads != c.NumAttentionHeads;
        // Embedding output and L block outputs (Hidden's scope), cos and sin.
        long held = (c.NumHiddenLayers + 1) * d * s + 2L * c.HeadDim * s;
        // In attention: the block's normalised input and the o_proj output, q/k/v projections, per rotary call
        // −x2 (half), the concatenation, x·cos, rotated·sin and their sum (4.5 widths), the repeated k and v,
        // and the attention output.
        long attention = 2 * d * s + (a + 2 * k + (9 * a + 9 * k) / 2 + (grouped ? 2 * a : 0) + a) * s;
        // In the MLP: the block's normalised input, attention output, residual sum and normalised sum, then gate,
        // silu, up, their product and the down projection.
        long mlp = 4 * d * s + (4 * ff + d) * s;
        return held + Math.Max(attention, mlp);
    }

    /// <summary>
    /// Bytes per training token that autograd keeps from the forward pass until backward reaches it, at the peak
    /// (the start of backward), counted from DecoderModel.cs and TokenLoss: what each op saves, not every
    /// intermediate (the modules' dispose scopes free the rest when forward returns).
    /// </summary>
    public static long ActivationBytesPerToken(DecoderConfig c, int s, bool activationCheckpointing)
    {
        long d = c.HiddenSize, ff = c.IntermediateSize, v = c.VocabSize;
        long h = c.NumAttentionHeads, hkv = c.NumKeyValueHeads, a = h * c.HeadDim, k = hkv * c.HeadDim;
        bool grouped = hkv != h;

        // RmsNorm over width w: pow and the product save the float32 input (the input itself in f32, a float32
        // copy in bf16), the normalised h·rsqrt cast back to the model dtype is saved by the weight product, and its
        // output by whatever consumes it (the q/k/v or gate/up projections); rsqrt saves a (…, 1) float32 column.
        static long Norm(long w, int s) => 4 * w + 2 * s * w + 4;

        // One decoder block:
        long block = 2 * Norm(d, s);                      // input_layernorm and post_attention_layernorm; the first's
                                                          // input is the block input, the second's is x + attention
        // Rotary.Apply keeps x (for x·cos) and rotate_half(x) (for ·sin), for queries and keys.
        block += 2 * (a + k) * s;
        if (c.QueryKeyNorm)
            // Qwen3's per-head norms before RoPE: their float32 input and normalised values (their output is the
            // rotary input counted above), and an rsqrt per head.
            block += (4 + s) * (a + k) + 4 * (h + hkv);
        // scaled_dot_product_attention (LibTorch's CPU flash kernel on the causal training path) saves q, k, v, its
        // output and the float32 log-sum-exp per head; with grouped-query attention k and v are first repeated to
        // H heads (repeat_interleave), and the repeated copies are what it saves.
        block += a * s + 2 * (grouped ? a : k) * s + a * s + 4 * h;
        // The output is laid out (B, T, H, D) behind its (B, H, T, D) view, so the reshape before o_proj is a view
        // of it: o_proj's saved input costs nothing more.
        // SwiGLU: gate output (silu saves it), silu output and up output (the product saves both), and the product
        // (down_proj saves it).
        block += 4 * ff * s;

        // Outside the blocks: the final norm, the rotary tables cos and sin (B, T, D) shared by all blocks, and the
        // loss. The head's logits (s·V) are held by the training loop; TokenLoss.LogSoftmax's float32 log-probs
        // (4·V) are saved for backward; at the start of backward the gather's gradient (4·V, dense) and log_softmax's
        // input gradient (4·V) exist together with both.
        long outside = Norm(d, s) + 2L * c.HeadDim * s + (s + 12) * v;

        if (!activationCheckpointing)
            return c.NumHiddenLayers * block + outside;
        // Activation checkpointing (issue 13 B, planned ahead of its code): each block keeps only its input
        // (d·s per token) through forward; backward recomputes one block at a time, so one block's saved tensors
        // exist at once on top of the kept inputs.
        return c.NumHiddenLayers * d * s + block + outside;
    }
}
