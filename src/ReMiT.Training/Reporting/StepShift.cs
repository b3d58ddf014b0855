namespace ReMiT.Training.Reporting;

/// <summary>
/// One model's mean (greedy steps − gold steps) on one GSM op, over the problems whose record has both
/// counts: how far the solutions it writes are from the length the problems need.
/// </summary>
public sealed record StepShift(string Model, int Op, double MeanShift, int N)
{
    /// <summary>Per model (in the given order) and op (ascending); K&amp;K records have no steps and are skipped.</summary>
    public static IReadOnlyList<StepShift> Of(IEnumerable<(string Model, IReadOnlyList<EvalRecord> Records)> models) =>
        models.SelectMany(m => m.Records
            .Where(r => r.Op is not null && r.GreedySteps is not null && r.GoldSteps is not null)
            .GroupBy(r => r.Op!.Value).OrderBy(g => g.Key)
            .Select(g => new StepShift(m.Model, g.Key, g.Average(r => (double)(r.GreedySteps!.Value - r.GoldSteps!.Value)), g.Count())))
        .ToArray();
}
