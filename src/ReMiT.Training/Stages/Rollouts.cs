using ReMiT.Model;
using ReMiT.Tokenization;
using ReMiT.Training.Data;

namespace ReMiT.Training.Stages;

/// <summary>One sampled completion with everything the learner needs to use it off-policy.</summary>
/// <param name="Group">Index of its prompt in the step (samples of one prompt share a group).</param>
/// <param name="PromptIds">BOS + prompt tokens.</param>
/// <param name="CompletionIds">Sampled tokens (ending in EOS when it stopped).</param>
/// <param name="BehaviourLogProbs">log π_behaviour of each sampled token (temperature-scaled).</param>
/// <param name="PolicyVersion">Version of the weights that sampled it (for the staleness bound).</param>
public sealed record Rollout(int Group, int[] PromptIds, int[] CompletionIds, float[] BehaviourLogProbs, long PolicyVersion, bool Stopped)
{
    public double Reward { get; init; }
    public bool Correct { get; init; }
}

/// <summary>
/// Rollout role: G completions per prompt with the current policy, tagged with the policy version.
/// Pure function of (model, items, seed), so a cluster rollout node runs the same code.
/// </summary>
public sealed class RolloutGenerator(HfTokenizer tokenizer, int maxNewTokens, double temperature, int groupSize)
{
    private readonly int _bos = SpecialToken(tokenizer, "<|bos|>");
    private readonly int _eos = SpecialToken(tokenizer, "<|eos|>");
    private readonly int _pad = SpecialToken(tokenizer, "<|pad|>");

    public int Eos => _eos;
    public int Pad => _pad;

    public IReadOnlyList<Rollout> Generate(DecoderModel policy, IReadOnlyList<EvalItem> items, long policyVersion, long seed, double? temperatureOverride = null, int? samples = null)
    {
        int g = samples ?? groupSize;
        var prompts = items.Select(i => (int[])[_bos, .. tokenizer.Encode(i.Prompt)]).ToArray();
        double t = temperatureOverride ?? temperature;
        var completions = GenerationEngine.Generate(policy, prompts, new GenerationOptions(
            maxNewTokens, new SamplingOptions(t), g, [_eos], seed, _pad));
        return completions.Select(c => new Rollout(c.PromptIndex, prompts[c.PromptIndex], c.TokenIds, c.LogProbs, policyVersion, c.Stopped)).ToList();
    }

    /// <summary>The completion as text, without the EOS that ended it.</summary>
    public string Text(Rollout r) =>
        tokenizer.Decode(r.Stopped && r.CompletionIds.Length > 0 ? r.CompletionIds.AsSpan(0, r.CompletionIds.Length - 1) : r.CompletionIds);

    internal static int SpecialToken(HfTokenizer tokenizer, string token) =>
        tokenizer.TokenToId(token) ?? throw new InvalidDataException($"the tokenizer has no '{token}' token; train it with ReMiT's special tokens.");
}

/// <summary>Verifier role: scores every rollout with its item's task verifier (CPU only, no torch).</summary>
public static class RewardVerifier
{
    public static IReadOnlyList<Rollout> Score(IReadOnlyList<Rollout> rollouts, IReadOnlyList<EvalItem> items, RolloutGenerator generator)
        => rollouts.Select(r =>
        {
            var verdict = items[r.Group].Verify(generator.Text(r));
            return r with { Reward = verdict.Reward, Correct = verdict.Correct };
        }).ToList();
}
