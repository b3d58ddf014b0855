using ReMiT.Training.Flywheel;

namespace ReMiT.Training.Experiments;

/// <summary>
/// The stage list one seed of an experiment runs: every spec stage some arm's model depends on (each
/// once, in the spec's order, so arms share what they have in common), then an evaluation of every
/// arm's model.
/// </summary>
public static class ExperimentPlan
{
    public static IReadOnlyList<PlannedStage> Build(ExperimentSpec spec)
    {
        var producer = spec.Stages.ToDictionary(s => s.To, StringComparer.Ordinal);
        var needed = new HashSet<string>(StringComparer.Ordinal);
        void Need(string model)
        {
            if (!producer.TryGetValue(model, out var stage) || !needed.Add(stage.Name)) return;
            if (stage.From.Length > 0) Need(stage.From);
            if (stage.Guide is { } guide) Need(guide);
        }
        foreach (var arm in spec.Arms) Need(arm.Model);
        var plan = spec.Stages.Where(s => needed.Contains(s.Name))
            .Select(s => new PlannedStage(s.Name, s.Kind, s.From, s.To, s.Weighting, s.Guide, s.Overrides.Count > 0 ? s.Overrides : null))
            .ToList();
        plan.AddRange(spec.Arms.Select(a => a.Model).Distinct(StringComparer.Ordinal).Select(m => new PlannedStage($"eval:{m}", PlannedKind.Eval, m, m)));
        return plan;
    }
}
