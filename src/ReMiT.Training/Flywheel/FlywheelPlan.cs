using ReMiT.Training.Losses;

namespace ReMiT.Training.Flywheel;

/// <summary>What a stage does.</summary>
public enum PlannedKind { Pretrain, MidTrain, Rl, Eval, Sft }

/// <summary>One stage of the flywheel: reads model <paramref name="From"/>, writes model <paramref name="To"/>.</summary>
/// <param name="Weighting">Mid-training token weighting (uniform, remit, rho1, kd); empty otherwise.</param>
/// <param name="Guide">Model that guides the weighting, or null when it needs none.</param>
/// <param name="Overrides">Config overrides for this stage only ("path=value", as <c>--set</c>); see <see cref="RunContext.ForStage(PlannedStage)"/>.</param>
public sealed record PlannedStage(string Name, PlannedKind Kind, string From, string To, string Weighting = "", string? Guide = null,
                                  IReadOnlyList<string>? Overrides = null);

/// <summary>
/// The flywheel as data, read top to bottom: pretrain (to the start of the LR decay) → rl:base
/// (RL model 1) → for each weighting, midtrain:w from the pre-decay checkpoint (the decay phase;
/// ReMiT guided by RL model 1) → rl:w → [ReMiT2: midtrain:remit2 guided by remit+rl → rl:remit2]
/// → eval of every model. The coordinator walks this list; a stage whose summary exists is done.
/// </summary>
public static class FlywheelPlan
{
    public static IReadOnlyList<PlannedStage> Build(FlywheelConfig config)
    {
        var plan = new List<PlannedStage>
        {
            new("pretrain", PlannedKind.Pretrain, "", "base"),
            new("rl:base", PlannedKind.Rl, "base", "base+rl"),
        };
        var branches = new List<string> { "uniform", "remit" };
        branches.AddRange(config.ExtraWeightings);
        foreach (string weighting in branches)
        {
            string? guide = config.MidTrain.Weighting(weighting).Build().Need == GuideNeed.None ? null : "base+rl";
            plan.Add(new($"midtrain:{weighting}", PlannedKind.MidTrain, "base", weighting, weighting, guide));
            plan.Add(new($"rl:{weighting}", PlannedKind.Rl, weighting, weighting + "+rl"));
        }
        var evaluated = new List<string> { "base", "base+rl" };
        foreach (string b in branches) evaluated.AddRange([b, b + "+rl"]);
        for (int iteration = 2; iteration <= config.Iterations; iteration++)
        {
            // ReMiT2: the RL model trained from the previous ReMiT base guides the next mid-training.
            string previous = iteration == 2 ? "remit+rl" : $"remit{iteration - 1}+rl", name = $"remit{iteration}";
            plan.Add(new($"midtrain:{name}", PlannedKind.MidTrain, "base", name, "remit", previous));
            plan.Add(new($"rl:{name}", PlannedKind.Rl, name, name + "+rl"));
            evaluated.AddRange([name, name + "+rl"]);
        }
        plan.AddRange(evaluated.Select(m => new PlannedStage($"eval:{m}", PlannedKind.Eval, m, m)));
        return plan;
    }
}
