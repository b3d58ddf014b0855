using ReMiT.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Model.Tests;

public sealed class GenerationEngineTests : IDisposable
{
    private static readonly DecoderConfig Tiny = new()
    {
        ModelType = "qwen2", VocabSize = 97, HiddenSize = 48, IntermediateSize = 96, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 12, MaxPositionEmbeddings = 128,
        AttentionBias = true, TieWordEmbeddings = true,
    };

    private readonly DecoderModel _model;

    public GenerationEngineTests()
    {
        _model = new DecoderModel(Tiny);
        // std 0.5 gives peaked, varied logits, so greedy paths are not ties and sampling is not uniform
        _model.InitializeWeights(seed: 3, std: 0.5);
    }

    public void Dispose() => _model.Dispose();

    private static readonly int[][] Prompts = [[5, 17, 3, 44, 9, 2, 61], [8, 1], [70, 71, 72, 73]];

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.7)]
    [InlineData(1.3)]
    public void Generate_CachedLogProbs_EqualFullForwardRecompute(double temperature)
    {
        var options = new GenerationOptions(12, new SamplingOptions(temperature, TopP: 0.9), SamplesPerPrompt: 3, Seed: 11);
        var completions = GenerationEngine.Generate(_model, Prompts, options);
        Assert.Equal(9, completions.Count);
        foreach (var c in completions)
        {
            int[] prompt = Prompts[c.PromptIndex];
            float[] recomputed = FullForwardLogProbs(prompt, c.TokenIds, temperature == 0 ? 1.0 : temperature);
            for (int i = 0; i < c.TokenIds.Length; i++)
                Assert.True(Math.Abs(recomputed[i] - c.LogProbs[i]) < 1e-4,
                    $"prompt {c.PromptIndex} sample {c.SampleIndex} token {i}: cached {c.LogProbs[i]}, full {recomputed[i]}");
        }
    }

    [Fact]
    public void Generate_Greedy_BatchedWithPaddingEqualsOneByOne()
    {
        var options = new GenerationOptions(10, new SamplingOptions(0));
        var batched = GenerationEngine.Generate(_model, Prompts, options);
        for (int p = 0; p < Prompts.Length; p++)
        {
            var alone = Assert.Single(GenerationEngine.Generate(_model, [Prompts[p]], options));
            Assert.Equal(alone.TokenIds, batched[p].TokenIds);
            Assert.Equal(NaiveGreedy(Prompts[p], 10), alone.TokenIds); // and equals argmax over full recomputes
        }
    }

    [Fact]
    public void Generate_Greedy_RowsThatStopEarlyLeaveTheBatch_OthersUnchanged()
    {
        // A stop token that ends one prompt within the first stop check (8 steps) but appears nowhere in the other
        // prompts' 24 tokens: that row leaves the batch at step 8 and the others are decoded on without it.
        var options = new GenerationOptions(24, new SamplingOptions(0));
        var free = GenerationEngine.Generate(_model, Prompts, options);
        var (early, stop) = Enumerable.Range(0, Prompts.Length)
            .SelectMany(p => free[p].TokenIds.Take(6).Select(t => (Prompt: p, Token: t)))
            .FirstOrDefault(c => Enumerable.Range(0, Prompts.Length).All(q => q == c.Prompt || !free[q].TokenIds.Contains(c.Token)), (Prompt: -1, Token: -1));
        Assert.True(stop >= 0, "no token ends one prompt early and no other: " + string.Join(" | ", free.Select(f => string.Join(",", f.TokenIds))));

        var batched = GenerationEngine.Generate(_model, Prompts, options with { StopTokens = [stop] });

        Assert.True(batched[early].Stopped);
        Assert.Equal(free[early].TokenIds[..(Array.IndexOf(free[early].TokenIds, stop) + 1)], batched[early].TokenIds);
        foreach (int p in Enumerable.Range(0, Prompts.Length).Where(p => p != early))
        {
            Assert.False(batched[p].Stopped);
            Assert.Equal(free[p].TokenIds, batched[p].TokenIds);
            float[] alone = Assert.Single(GenerationEngine.Generate(_model, [Prompts[p]], options)).LogProbs;
            for (int i = 0; i < alone.Length; i++) Assert.Equal(alone[i], batched[p].LogProbs[i], 4);
        }
    }

    [Fact]
    public void Generate_SampledWithStops_CachedLogProbsEqualFullForwardRecompute()
    {
        // Sampled rows stop at different steps, so the batch shrinks several times; every kept row's cache must
        // still be its own: each token's log-prob equals a full forward of prompt + completion.
        var free = GenerationEngine.Generate(_model, Prompts, new GenerationOptions(10, new SamplingOptions(0)));
        var options = new GenerationOptions(40, new SamplingOptions(1.0), SamplesPerPrompt: 6, StopTokens: [free[1].TokenIds[1], free[2].TokenIds[2]], Seed: 4);
        var completions = GenerationEngine.Generate(_model, Prompts, options);

        var lengths = completions.Select(c => c.TokenIds.Length).ToArray();
        Assert.True(lengths.Min() < 8 && lengths.Max() > 16, $"rows must stop at different checks for this test to shrink the batch; lengths {string.Join(",", lengths)}");
        foreach (var c in completions)
        {
            float[] recomputed = FullForwardLogProbs(Prompts[c.PromptIndex], c.TokenIds, 1.0);
            for (int i = 0; i < c.TokenIds.Length; i++)
                Assert.True(Math.Abs(recomputed[i] - c.LogProbs[i]) < 1e-4,
                    $"prompt {c.PromptIndex} sample {c.SampleIndex} token {i}: cached {c.LogProbs[i]}, full {recomputed[i]}");
        }
    }

    [Fact]
    public void Generate_SameSeed_SameSamples_DifferentSeed_Different()
    {
        GenerationOptions With(long seed) => new(16, new SamplingOptions(1.0), SamplesPerPrompt: 4, Seed: seed);
        var a = GenerationEngine.Generate(_model, Prompts, With(1));
        var b = GenerationEngine.Generate(_model, Prompts, With(1));
        var c = GenerationEngine.Generate(_model, Prompts, With(2));
        Assert.Equal(a.Select(x => x.TokenIds), b.Select(x => x.TokenIds));
        Assert.NotEqual(a.Select(x => string.Join(",", x.TokenIds)), c.Select(x => string.Join(",", x.TokenIds)));
        // the G samples of one prompt differ from each other
        Assert.True(a.Where(x => x.PromptIndex == 0).Select(x => string.Join(",", x.TokenIds)).Distinct().Count() > 1);
    }

    [Fact]
    public void Generate_TopKOne_EqualsGreedy()
    {
        var greedy = GenerationEngine.Generate(_model, Prompts, new GenerationOptions(8, new SamplingOptions(0)));
        var topOne = GenerationEngine.Generate(_model, Prompts, new GenerationOptions(8, new SamplingOptions(0.8, TopK: 1), Seed: 5));
        Assert.Equal(greedy.Select(x => x.TokenIds), topOne.Select(x => x.TokenIds));
    }

    [Fact]
    public void Generate_StopToken_EndsCompletionIncludingIt()
    {
        var free = GenerationEngine.Generate(_model, Prompts, new GenerationOptions(10, new SamplingOptions(0)));
        int stop = free[0].TokenIds[3];
        var stopped = GenerationEngine.Generate(_model, Prompts, new GenerationOptions(10, new SamplingOptions(0), StopTokens: [stop]));
        int first = Array.IndexOf(free[0].TokenIds, stop);
        Assert.Equal(free[0].TokenIds[..(first + 1)], stopped[0].TokenIds);
        Assert.True(stopped[0].Stopped);
        Assert.Equal(first + 1, stopped[0].LogProbs.Length);
    }

    [Fact]
    public void Generate_BadInputs_ListEveryProblem()
    {
        var e = Assert.Throws<ArgumentException>(() => GenerationEngine.Generate(_model, [[1, 200], []],
            new GenerationOptions(0, new SamplingOptions(-1, TopP: 0))));
        foreach (string part in new[] { "temperature", "top-p", "max new tokens", "token id 200", "prompt 1 is empty" })
            Assert.Contains(part, e.Message);
    }

    [Fact]
    public void Truncate_TopP_KeepsSmallestNucleus()
    {
        using var scope = NewDisposeScope();
        var probs = tensor(new float[] { 0.5f, 0.3f, 0.15f, 0.05f }).unsqueeze(0);
        var kept = Sampler.Truncate(probs.log(), new SamplingOptions(1.0, TopP: 0.8)).isfinite().data<bool>().ToArray();
        Assert.Equal([true, true, false, false], kept);
        kept = Sampler.Truncate(probs.log(), new SamplingOptions(1.0, TopP: 0.81)).isfinite().data<bool>().ToArray();
        Assert.Equal([true, true, true, false], kept);
    }

    private float[] FullForwardLogProbs(int[] prompt, int[] completion, double temperature)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long[] all = prompt.Concat(completion).Select(t => (long)t).ToArray();
        var logits = _model.Forward(tensor(all).unsqueeze(0))[0];                       // (T, V)
        var logp = (logits / temperature).log_softmax(-1);
        var result = new float[completion.Length];
        for (int i = 0; i < completion.Length; i++)
            result[i] = logp[prompt.Length - 1 + i, completion[i]].item<float>();
        return result;
    }

    private int[] NaiveGreedy(int[] prompt, int steps)
    {
        using var noGrad = no_grad();
        var seq = prompt.Select(t => (long)t).ToList();
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            seq.Add(_model.Forward(tensor(seq.ToArray()).unsqueeze(0))[0, -1].argmax().item<long>());
        }
        return seq.Skip(prompt.Length).Select(t => (int)t).ToArray();
    }
}
