using ReMiT.Model;
using ReMiT.Training.Planning;

namespace ReMiT.Training.Tests.Planning;

/// <summary>
/// The plan's terms on a config small enough to count by hand. Every expected number below is worked out in the
/// comment beside it from the formulas in MemoryPlanner's comments, not by calling the planner.
/// </summary>
public sealed class MemoryPlannerTests
{
    // V = 16, d = 8, I = 12, L = 2, H = 2, Hkv = 1 (grouped), D = 4 ⇒ A = H·D = 8, K = Hkv·D = 4; tied head, q/k/v bias.
    // Parameters per layer: q 8·8 = 64, k and v 2·8·4 = 64, o 8·8 = 64, bias 8 + 4 + 4 = 16 → attention 208;
    // MLP 3·8·12 = 288; two norms 2·8 = 16 → 512. Two layers 1024, embedding 16·8 = 128, final norm 8: P = 1160.
    private static readonly DecoderConfig Tiny = new()
    {
        ModelType = "qwen2", VocabSize = 16, HiddenSize = 8, IntermediateSize = 12, NumHiddenLayers = 2,
        NumAttentionHeads = 2, NumKeyValueHeads = 1, HeadDim = 4, MaxPositionEmbeddings = 64, AttentionBias = true, TieWordEmbeddings = true,
    };

    // Two ranks share a batch of 3: ⌈3/2⌉ = 2 rows of 5 tokens per rank, n = 10 tokens.
    // Generation: 6 rollouts in groups of 4 → ⌈6/4⌉ = 2 prompts; 3 prompt + 5 new = 8 positions.
    private static readonly MemoryPlanRequest Request = new()
    {
        Model = Tiny, Ranks = 2, Batch = 3, SeqLen = 5, RolloutBatch = 6, GroupSize = 4, PromptLen = 3, MaxNewTokens = 5,
    };

    [Fact]
    public void Plan_Float32Zero0_MatchesHandCount()
    {
        var plan = MemoryPlanner.Plan(Request);

        Assert.Equal(1160, plan.Params);
        Assert.Equal(2, plan.RowsPerRank);
        Assert.Equal(4640, plan.WeightsBytes);             // 1160 · 4
        Assert.Equal(9280, plan.GradientsBytes);           // .grad 1160 · 4 + float32 bucket 1160 · 4
        Assert.Equal(13920, plan.OptimizerBytes);          // master and two moments: 3 · 4 · 1160
        Assert.Equal(5280, plan.OptimizerStepBytes);       // Adam's denominator 4 · 1160 = 4640, + logits 10 · 16 · 4 = 640
        // Per token: norm(8) = 4·8 + 2·4·8 + 4 = 100; a block = 2·100 + rotary 2·(8+4)·4 = 96
        // + attention q 8·4 + repeated k, v 2·8·4 + output 8·4 + lse 4·2 = 136 + SwiGLU 4·12·4 = 192 → 624;
        // outside: final norm 100 + cos/sin 2·4·4 = 32 + loss (4 + 12)·16 = 256 → 388. 2·624 + 388 = 1636 per token, ·10.
        Assert.Equal(16360, plan.ActivationsBytes);
        // Per row: K and V · 2 layers · 1 head · 4 dims · 8 positions · 4 bytes = 512; rows 2 prompts + 6 samples.
        Assert.Equal(4096, plan.KvCacheBytes);
        // Prefill of 2 prompts · 3 positions = 6 tokens, each: logits 16 · 4 = 64, plus held block outputs (2 + 1) · 8 · 4 = 96
        // and cos/sin 2 · 4 · 4 = 32, plus the larger scope: attention 2·8·4 = 64 + (8 + 2·4 + (9·8 + 9·4)/2 = 54
        // + repeated k, v 16 + output 8 = 94) · 4 = 376 → 440, or MLP 4·8·4 = 128 + (4·12 + 8)·4 = 224 → 352.
        // 64 + 96 + 32 + 440 = 632 per token, · 6.
        Assert.Equal(3792, plan.PrefillBytes);
        Assert.Equal(27840, plan.StaticBytes);             // 4640 + 9280 + 13920
        Assert.Equal(44200, plan.TrainingPeakBytes);       // 27840 + max(16360, 5280)
        Assert.Equal(35728, plan.RolloutPeakBytes);        // 27840 + 4096 + 3792
        Assert.Equal(44200, plan.TotalBytes);
        Assert.True(plan.Fits(44200));
        Assert.False(plan.Fits(44199));
    }

    [Fact]
    public void Plan_Zero1_DividesOptimizerStateAndAddsTheGradientShard()
    {
        var plan = MemoryPlanner.Plan(Request with { Zero = 1 });

        // One bucket (1160 < 2^22): block ⌈1160 / 2⌉ = 580, so the staging bucket is 2 · 580 = 1160 elements.
        Assert.Equal(6960, plan.OptimizerBytes);           // 12 · 580
        Assert.Equal(11600, plan.GradientsBytes);          // .grad 1160 · 4 + staging 4 · 1160 + gradient shard 4 · 580
        Assert.Equal(2960, plan.OptimizerStepBytes);       // Adam's denominator 4 · 580 + logits 640
        Assert.Equal(4640, plan.CheckpointBytes);          // one full float32 state buffer, 4 · 1160
        Assert.Equal(0, MemoryPlanner.Plan(Request).CheckpointBytes);
    }

    [Fact]
    public void Plan_Zero1SeveralBuckets_KeepsOneBucketOfStagingNotAFullGradient()
    {
        // Vocabulary 2^22: P = 1160 − 16·8 + 2^22·8 = 33,555,464. Buckets of 2^22 over 2 ranks: blocks of 2^21, eight full
        // buckets (33,554,432) and a last one of 1032 = 2 blocks of 516. Shard 8·2^21 + 516 = 16,777,732; staging 2^22.
        var big = Request with { Model = Tiny with { VocabSize = 1 << 22 }, Zero = 1 };

        var f32 = MemoryPlanner.Plan(big);
        Assert.Equal(33_555_464, f32.Params);
        Assert.Equal(12L * 16_777_732, f32.OptimizerBytes);
        // .grad 4 · 33,555,464 = 134,221,856 + staging 4 · 4,194,304 = 16,777,216 + shard 4 · 16,777,732 = 67,110,928.
        Assert.Equal(218_110_000, f32.GradientsBytes);

        // bfloat16: .grad 2 · P = 67,110,928, the same float32 staging and shard, and a bfloat16 staging bucket 2 · 2^22.
        var bf16 = MemoryPlanner.Plan(big with { Bfloat16 = true });
        Assert.Equal(67_110_928 + 16_777_216 + 67_110_928 + 8_388_608, bf16.GradientsBytes);
        // Step: Adam's denominator 4 · shard = 67,110,928, the block rounded to bfloat16 before the gather 2 · 2^21,
        // and the logits 10 tokens · 2^22 · 2 bytes = 83,886,080.
        Assert.Equal(67_110_928 + 4_194_304 + 83_886_080, bf16.OptimizerStepBytes);
    }

    [Fact]
    public void Plan_Zero1OneRank_SameAsZero0()
    {
        // One rank has nothing to shard over; FlatAdamW then keeps the whole state, and so does the plan.
        var one = Request with { Ranks = 1 };
        Assert.Equal(MemoryPlanner.Plan(one), MemoryPlanner.Plan(one with { Zero = 1 }));
    }

    [Fact]
    public void Plan_Zero1UnevenSplit_RoundsTheShardUp()
    {
        // 1160 over 3 ranks: shard ⌈1160 / 3⌉ = 387, one staging bucket of 3 · 387 = 1161.
        var plan = MemoryPlanner.Plan(Request with { Ranks = 3, Zero = 1 });
        Assert.Equal(12 * 387, plan.OptimizerBytes);
        Assert.Equal(4640 + 4 * 1161 + 4 * 387, plan.GradientsBytes);
    }

    [Fact]
    public void Plan_ActivationCheckpointing_KeepsBlockInputsAndOneBlock()
    {
        var plan = MemoryPlanner.Plan(Request with { ActivationCheckpointing = true });

        // Per token: inputs 2 layers · 8 · 4 = 64, one block 624, outside 388 → 1076, · 10 tokens.
        Assert.Equal(10760, plan.ActivationsBytes);
    }

    [Fact]
    public void ActivationBytesPerToken_Bfloat16_MatchesHandCount()
    {
        // norm(8) = 4·8 + 2·2·8 + 4 = 68; block = 136 + rotary 2·12·2 = 48 + attention 8·2 + 2·8·2 + 8·2 + 8 = 72
        // + SwiGLU 4·12·2 = 96 → 352; outside 68 + 2·4·2 + (2 + 12)·16 = 68 + 16 + 224 = 308. 2·352 + 308 = 1012.
        Assert.Equal(1012, MemoryPlanner.ActivationBytesPerToken(Tiny, s: 2, activationCheckpointing: false));
    }

    [Fact]
    public void ActivationBytesPerToken_Qwen3_AddsTheQueryKeyNorms()
    {
        // Float32 as in the first test (1636), plus per block (4 + 4)·(8 + 4) + 4·(2 + 1) = 96 + 12 = 108, two blocks.
        var qwen3 = Tiny with { ModelType = "qwen3", AttentionBias = false };
        Assert.Equal(1636 + 2 * 108, MemoryPlanner.ActivationBytesPerToken(qwen3, s: 4, activationCheckpointing: false));
    }

    [Fact]
    public void ActivationBytesPerToken_NoGroupedQuery_SavesUnrepeatedKeysAndValues()
    {
        // H = Hkv = 2 ⇒ K = 8: rotary 2·(8+8)·4 = 128 (+32 over grouped), attention 8·4 + 2·8·4 + 8·4 + 8 = 136 (same width).
        var mha = Tiny with { NumKeyValueHeads = 2 };
        Assert.Equal(1636 + 2 * 32, MemoryPlanner.ActivationBytesPerToken(mha, s: 4, activationCheckpointing: false));
    }

    [Fact]
    public void Plan_BadRequest_ListsEveryProblemByFlag()
    {
        var e = Assert.Throws<ArgumentException>(() => MemoryPlanner.Plan(Request with { Ranks = 0, Zero = 2, MaxNewTokens = 0 }));
        Assert.Contains("--ranks must be >= 1, got 0", e.Message);
        Assert.Contains("--zero must be 0 or 1, got 2", e.Message);
        Assert.Contains("--max-new-tokens must be >= 1, got 0", e.Message);
    }

    [Fact]
    public void Plan_BatchSmallerThanRanks_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => MemoryPlanner.Plan(Request with { Ranks = 4 }));
        Assert.Contains("--batch (3) must be at least --ranks (4)", e.Message);
    }
}
