using ReMiT.Tasks;
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
/// <param name="ops">The GSM ops to draw (rl.ops syntax); null: <c>cfg.Ops</c>. A stage with <c>ops: "auto"</c> passes its measured ops (<see cref="ForStage"/>).</param>
public sealed class RlPrompts(RlSection cfg, ulong seed, IReadOnlySet<string> heldOutProblemIds, string? ops = null)
{
    // Parsed on first draw: the coordinator only derives rollout seeds and never needs an "auto" stage's ops.
    private readonly Lazy<GsmOpRange> _ops = new(() => GsmOpRange.Parse(ops ?? cfg.Ops));
    private readonly GsmTemplate[] _templates = cfg.Templates.Select(GsmTemplate.Parse).ToArray();
    private readonly GsmMode[] _modes = cfg.Modes.Select(GsmModes.Parse).ToArray();
    private readonly KkRewardScheme _scheme = KkRewardScheme.Named(cfg.KkScheme);

    public int PerStep => cfg.PromptsPerStep;

    /// <summary>
    /// The prompts of an RL stage of <paramref name="run"/>: rl.ops, or with <c>ops: "auto"</c> the ops its
    /// calibration chose (the learner writes it before the stage's first policy is published).
    /// </summary>
    public static RlPrompts ForStage(RunContext run, string stage)
    {
        ArgumentNullException.ThrowIfNull(run);
        run = run.ForStage(stage); // the stage's own overrides (an experiment's arms may differ in rl.*)
        var cfg = run.Config.Rl;
        if (!cfg.MeasuresOps()) return new RlPrompts(cfg, run.Seed, run.HeldOutProblemIds);
        var calibration = RlCalibration.TryRead(run.RunDirectory, stage)
            ?? throw new InvalidOperationException($"{stage}: rl.ops is auto but {RlCalibration.PathFor(run.RunDirectory, stage)} does not exist; the learner measures it when the stage starts.");
        return new RlPrompts(cfg, run.Seed, run.HeldOutProblemIds, calibration.ChosenOps);
    }

    /// <summary>
    /// Every prompt the step may draw, indexed as rollouts name them: its own <see cref="RlSection.PromptsPerStep"/>
    /// items, then, when dynamic sampling refills, <see cref="RlSection.MaxRefillRounds"/> rounds of as many more
    /// (round r from index r·PromptsPerStep, see <see cref="Rl.DynamicSamplingRefill"/>), each a pure function of
    /// (seed, step, round) and disjoint from the step's earlier prompts. Only the prompts the coordinator issues are generated on.
    /// </summary>
    public EvalItem[] ForStep(int step)
    {
        var items = new List<EvalItem>(Draw(step, round: 0, heldOutProblemIds));
        int rounds = cfg.DynamicSampling ? cfg.MaxRefillRounds : 0;
        for (int round = 1; round <= rounds; round++)
            items.AddRange(Draw(step, round, heldOutProblemIds.Union(items.Select(i => ProblemId.Of(i.Prompt))).ToHashSet()));
        return [.. items];
    }

    // PromptsPerStep items of one round; round 0 keeps the seed stream steps always used.
    private IEnumerable<EvalItem> Draw(int step, int round, IReadOnlySet<string> exclude)
    {
        ulong seed = round == 0 ? StepSeed(step) : ReMiT.Tasks.SplitMix64.Derive(StepSeed(step) ^ 0x0EF1_11ul, (ulong)round);
        KkCorpusSource.TryParsePeople(cfg.People, out int minPeople, out int maxPeople, out _);
        // Enough items per difficulty to fill a step; the first PromptsPerStep are used.
        var set = cfg.Task == "kk"
            ? EvalSet.Kk(minPeople, maxPeople, (cfg.PromptsPerStep + maxPeople - minPeople) / (maxPeople - minPeople + 1), seed, _scheme, exclude)
            : EvalSet.Gsm(_ops.Value, (cfg.PromptsPerStep + _ops.Value.Count - 1) / _ops.Value.Count, seed, _templates, _modes, exclude);
        return set.Items.Take(cfg.PromptsPerStep);
    }

    /// <summary>Sampling seed for the rollouts of prompts starting at <paramref name="firstPrompt"/> of a step.</summary>
    public long RolloutSeed(int step, int firstPrompt) => RolloutSeed(seed, step, firstPrompt);

    /// <summary>
    /// The same seed from the run seed alone: the coordinator cuts steps into rollout work and needs no prompts
    /// (building them would draw every step's problems and the held-out set for nothing).
    /// </summary>
    public static long RolloutSeed(ulong runSeed, int step, int firstPrompt) =>
        unchecked((long)ReMiT.Tasks.SplitMix64.Derive(StepSeed(runSeed, step), (ulong)firstPrompt + 1));

    private ulong StepSeed(int step) => StepSeed(seed, step);

    private static ulong StepSeed(ulong runSeed, int step) => ReMiT.Tasks.SplitMix64.Derive(runSeed ^ 0x5EED_0F_6A9Dul, (ulong)step);
}
