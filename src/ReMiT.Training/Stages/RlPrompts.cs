using ReMiT.Tasks.Gsm;
using ReMiT.Tasks.KnightsKnaves;
using ReMiT.Training.Data;
using ReMiT.Training.Flywheel;

namespace ReMiT.Training.Stages;

/// <summary>
/// The prompts of one RL step — GSM problems or K&amp;K puzzles — as a pure function of the config, the
/// run seed and the step. Rollout and verifier nodes rebuild them from these coordinates, so only
/// (stage, step, prompt range) travels, and a resumed run replays exactly the same prompts. Held-out
/// (eval) problems are skipped, so RL never trains on a problem it is evaluated on.
/// </summary>
/// <param name="heldOutProblemIds">Problem ids never to train on: the run's <see cref="RunContext.HeldOutProblemIds"/>.</param>
public sealed class RlPrompts(RlSection cfg, ulong seed, IReadOnlySet<string> heldOutProblemIds)
{
    private readonly GsmOpRange _ops = GsmOpRange.Parse(cfg.Ops);
    private readonly GsmTemplate[] _templates = cfg.Templates.Select(GsmTemplate.Parse).ToArray();
    private readonly GsmMode[] _modes = cfg.Modes.Select(GsmModes.Parse).ToArray();
    private readonly KkRewardScheme _scheme = KkRewardScheme.Named(cfg.KkScheme);

    public int PerStep => cfg.PromptsPerStep;

    /// <summary>The step's <see cref="RlSection.PromptsPerStep"/> items.</summary>
    public EvalItem[] ForStep(int step)
    {
        ulong stepSeed = StepSeed(step);
        KkCorpusSource.TryParsePeople(cfg.People, out int minPeople, out int maxPeople, out _);
        // Enough items per difficulty to fill a step; the first PromptsPerStep are used.
        var set = cfg.Task == "kk"
            ? EvalSet.Kk(minPeople, maxPeople, (cfg.PromptsPerStep + maxPeople - minPeople) / (maxPeople - minPeople + 1), stepSeed, _scheme, heldOutProblemIds)
            : EvalSet.Gsm(_ops, (cfg.PromptsPerStep + _ops.Count - 1) / _ops.Count, stepSeed, _templates, _modes, heldOutProblemIds);
        return set.Items.Take(cfg.PromptsPerStep).ToArray();
    }

    /// <summary>Sampling seed for the rollouts of prompts starting at <paramref name="firstPrompt"/> of a step.</summary>
    public long RolloutSeed(int step, int firstPrompt) => unchecked((long)ReMiT.Tasks.SplitMix64.Derive(StepSeed(step), (ulong)firstPrompt + 1));

    private ulong StepSeed(int step) => ReMiT.Tasks.SplitMix64.Derive(seed ^ 0x5EED_0F_6A9Dul, (ulong)step);
}
