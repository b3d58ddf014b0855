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
}
