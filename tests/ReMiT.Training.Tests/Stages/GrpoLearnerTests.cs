using ReMiT.Model;
using ReMiT.Training.Optim;
using ReMiT.Training.Rl;
using ReMiT.Training.Stages;

namespace ReMiT.Training.Tests.Stages;

public sealed class GrpoLearnerTests
{
    private static readonly DecoderConfig Toy = ModelPresets.Get("smoke").Config with { VocabSize = 16, NumHiddenLayers = 1 };

    // Toy verifiable task: the reward is the share of completion tokens equal to 7 (chance level 1/16).
    private static double Reward(int[] completion) => completion.Count(t => t == 7) / (double)completion.Length;

    private static double Train(DecoderModel model, int steps, GrpoLearnerOptions options, double lr)
    {
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions(WeightDecay: 0));
        var learner = new GrpoLearner(model, optimizer, options, padId: 0);
        int[][] prompts = Enumerable.Range(0, 4).Select(i => new[] { 1, 2 + i, 3 }).ToArray();
        double last = 0;
        for (int step = 0; step < steps; step++)
        {
            var completions = GenerationEngine.Generate(model, prompts,
                new GenerationOptions(4, new SamplingOptions(1.0), options.GroupSize, Seed: step));
            var rollouts = completions.Select(c => new Rollout(c.PromptIndex, prompts[c.PromptIndex], c.TokenIds, c.LogProbs, step, c.Stopped)
            {
                Reward = Reward(c.TokenIds), Correct = Reward(c.TokenIds) == 1,
            }).ToList();
            last = learner.Step(rollouts, step, lr).RewardMean;
        }
        return last;
    }

    [Fact]
    public void Step_ToyVerifiableTask_RaisesReward()
    {
        using var model = new DecoderModel(Toy);
        model.InitializeWeights(seed: 1);
        var options = new GrpoLearnerOptions(8, 1.0, AdvantageMode.Grpo, new GrpoLossConfig(), DynamicSampling: true,
                                             MaxNewTokens: 4, OverlongBuffer: 0, MaxStaleness: 1, ClipNorm: 1.0);
        double before = Train(model, 1, options, lr: 0);
        double after = Train(model, 40, options, lr: 1e-2);
        Assert.True(before < 0.2, $"chance level expected before training, got {before:F2}");
        Assert.True(after > 0.6, $"GRPO should push the policy to the rewarded token: reward {before:F2} -> {after:F2}");
    }

    [Fact]
    public void Step_AllGroupsEqualReward_DroppedByDynamicSamplingAndNoUpdate()
    {
        using var model = new DecoderModel(Toy);
        model.InitializeWeights(seed: 2);
        var before = model.parameters().Select(p => p.clone()).ToArray();
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions());
        var learner = new GrpoLearner(model, optimizer, new GrpoLearnerOptions(2, 1.0, AdvantageMode.Grpo, new GrpoLossConfig(),
            DynamicSampling: true, MaxNewTokens: 4, OverlongBuffer: 0, MaxStaleness: 0, ClipNorm: 1.0), padId: 0);
        var rollouts = new[]
        {
            new Rollout(0, [1, 2], [3, 4], [-1f, -1f], 5, false) { Reward = 1 },
            new Rollout(0, [1, 2], [5], [-1f], 5, false) { Reward = 1 },
            new Rollout(1, [1, 3], [3], [-1f], 4, false) { Reward = 0 },   // stale: version 4 at current 5 with bound 0
            new Rollout(1, [1, 3], [6], [-1f], 4, false) { Reward = 1 },
        };
        var stats = learner.Step(rollouts, currentVersion: 5, lr: 1e-2);
        Assert.Equal(0, stats.KeptGroups);
        Assert.Equal(1, stats.DroppedGroups);
        Assert.Equal(2, stats.Stale);
        Assert.All(model.parameters().Zip(before), pair => Assert.True(pair.First.eq(pair.Second).all().item<bool>()));
    }

    private static GrpoLearnerOptions Options(double klBeta, int promptsPerStep = int.MaxValue) =>
        new(2, 1.0, AdvantageMode.Grpo, new GrpoLossConfig(KlBeta: klBeta), DynamicSampling: true,
            MaxNewTokens: 4, OverlongBuffer: 0, MaxStaleness: 1, ClipNorm: 1.0, PromptsPerStep: promptsPerStep);

    // Two groups of two with mixed rewards; behaviour log-probs are arbitrary (the ratio is clipped anyway).
    private static Rollout[] MixedRollouts(int firstGroup = 0) =>
    [
        new Rollout(firstGroup, [1, 2], [3, 4], [-2f, -2f], 0, false) { Reward = 1, Correct = true },
        new Rollout(firstGroup, [1, 2], [5, 6], [-2f, -2f], 0, false) { Reward = 0 },
        new Rollout(firstGroup + 1, [1, 3], [7], [-2f], 0, false) { Reward = 0 },
        new Rollout(firstGroup + 1, [1, 3], [8, 9], [-2f, -2f], 0, false) { Reward = 1, Correct = true },
    ];

    private static (float[] Weights, GrpoStepStats Stats) OneStep(double klBeta, Func<DecoderModel, DecoderModel?> reference)
    {
        using var model = new DecoderModel(Toy);
        model.InitializeWeights(seed: 3);
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions(WeightDecay: 0));
        using var refModel = reference(model);
        var stats = new GrpoLearner(model, optimizer, Options(klBeta), padId: 0, reference: refModel).Step(MixedRollouts(), 0, lr: 1e-2);
        float[] weights = model.parameters().SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();
        return (weights, stats);
    }

    private static DecoderModel Copy(DecoderModel model)
    {
        var copy = new DecoderModel(Toy);
        using (TorchSharp.torch.no_grad())
            foreach (var (to, from) in copy.parameters().Zip(model.parameters())) to.copy_(from);
        ReferencePolicy.Freeze(copy);
        return copy;
    }

    private static DecoderModel Fresh(long seed)
    {
        var model = new DecoderModel(Toy);
        model.InitializeWeights(seed);
        ReferencePolicy.Freeze(model);
        return model;
    }

    [Fact]
    public void Step_KlBetaWithoutReference_ThrowsNamingKlBeta()
    {
        using var model = new DecoderModel(Toy);
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions());
        var e = Assert.Throws<ArgumentException>(() => new GrpoLearner(model, optimizer, Options(0.001), padId: 0));
        Assert.Contains("rl.kl_beta", e.Message);
    }

    [Fact]
    public void Step_ReferenceEqualToPolicy_KlZeroAndSameUpdateAsWithoutKl()
    {
        // At π_ref = π_θ, k3 = e^0 − 0 − 1 = 0 and its gradient β·(1 − e^(ref−new)) = 0: the update is the plain GRPO one.
        var (plain, _) = OneStep(0.0, _ => null);
        var (withKl, stats) = OneStep(0.5, m => Copy(m));
        Assert.Equal(0.0, stats.RefKl, 6);
        Assert.Equal(plain.Length, withKl.Length);
        for (int i = 0; i < plain.Length; i++) Assert.Equal(plain[i], withKl[i], 6);
    }

    [Fact]
    public void Step_DifferentReference_PositiveKlChangesTheUpdate()
    {
        var (plain, _) = OneStep(0.0, _ => null);
        var (withKl, stats) = OneStep(0.5, _ => Fresh(99));
        Assert.True(stats.RefKl > 0, $"k3 to a different model must be positive, got {stats.RefKl}");
        Assert.Contains(plain.Zip(withKl), p => Math.Abs(p.First - p.Second) > 1e-6);
    }

    [Fact]
    public void Step_RefillGroups_TrainsOnFirstKeptUpToPromptsPerStepAndCountsThem()
    {
        using var model = new DecoderModel(Toy);
        model.InitializeWeights(seed: 4);
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions(WeightDecay: 0));
        var learner = new GrpoLearner(model, optimizer, Options(0, promptsPerStep: 2), padId: 0);
        // Own prompts 0, 1: group 0 all-correct (dropped), group 1 mixed. Refill round 1 (prompts 2, 3): both mixed,
        // only prompt 2 is needed to reach 2 kept groups.
        Rollout[] rollouts =
        [
            new Rollout(0, [1, 2], [3], [-2f], 0, false) { Reward = 1, Correct = true },
            new Rollout(0, [1, 2], [4], [-2f], 0, false) { Reward = 1, Correct = true },
            new Rollout(1, [1, 3], [5], [-2f], 0, false) { Reward = 0 },
            new Rollout(1, [1, 3], [6], [-2f], 0, false) { Reward = 1, Correct = true },
            .. MixedRollouts(firstGroup: 2),
        ];
        var stats = learner.Step(rollouts, 0, lr: 1e-2);
        Assert.Equal((2, 1), (stats.KeptGroups, stats.DroppedGroups));
        Assert.Equal((2, 1, 1), (stats.RefillPrompts, stats.RefillRounds, stats.RefillGroupsUsed));
        Assert.Equal(0.75, stats.RewardMean, 12); // over the step's own prompts 0 and 1 only: (1 + 1 + 0 + 1) / 4
    }
}
