using ReMiT.Training.Reporting;

namespace ReMiT.Training.Tests.Reporting;

/// <summary>Writes the files a full pipeline would leave in a run folder: metrics, stage summaries, results.</summary>
internal static class FakeRun
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);

    public static void WriteMetrics(string runDir, bool withMidtrainAndRl = true)
    {
        using var log = MetricsLog.ForRun(runDir);
        for (int step = 0; step < 300; step++) log.Append("pretrain", step, "loss", 5.0 * Math.Exp(-step / 80.0) + 1.5 + 0.2 * Math.Sin(step));
        if (!withMidtrainAndRl) return;
        for (int step = 0; step < 50; step++)
        {
            log.Append("midtrain:uniform", step, "loss", 1.6 - step * 0.004);
            log.Append("midtrain:remit", step, "loss", 1.6 - step * 0.005);
            log.Append("midtrain:remit", step, "weight_mean", 1.0);
            log.Append("midtrain:remit", step, "weight_std", 0.12 + step * 0.001);
            log.Append("midtrain:remit", step, "weight_clipped", 0.05 + step * 0.002);
        }
        for (int step = 0; step < 40; step++)
        {
            log.Append("rl:base", step, "reward", 0.2 + step * 0.005);
            log.Append("rl:remit", step, "reward", 0.25 + step * 0.007);
        }
    }

    public static void WriteStages(string runDir)
    {
        new StageSummary("pretrain", StageKind.Pretrain, "models/base", T0, T0.AddMinutes(30), 1800, 300, 9_830_400, 1.52,
            new Dictionary<string, double> { ["tokens_per_second"] = 5461.3 }).Save(runDir);
        new StageSummary("midtrain:remit", StageKind.Midtrain, "models/remit", T0.AddMinutes(31), T0.AddMinutes(40), 540, 50, 1_638_400, 1.35).Save(runDir);
        new StageSummary("rl:remit", StageKind.Rl, "models/remit_rl", T0.AddMinutes(41), T0.AddMinutes(60), 1140, 40, 512_000).Save(runDir);
    }

    public static void WriteResults(string runDir)
    {
        var rows = new List<ResultRow>();
        string[] models = ["base", "uniform", "remit", "uniform+rl", "remit+rl"];
        for (int m = 0; m < models.Length; m++)
        {
            foreach (var (split, p) in new[] { ("id", 0.5), ("edge", 0.3), ("hard", 0.1) })
            {
                rows.Add(new ResultRow(models[m], "gsm", split, 1, p + 0.05 * m, 64, 0.05));
                rows.Add(new ResultRow(models[m], "gsm", split, 1, (p + 0.05 * m) / 2, 64, 0.05, EvalMetrics.GreedyStrict));
                foreach (int k in new[] { 1, 2, 4, 8, 16 })
                    rows.Add(new ResultRow(models[m], "gsm", split, k, Math.Min(1, 1 - Math.Pow(1 - p - 0.05 * m, k)), 64, 0.05, EvalMetrics.SampledAnswer));
            }
            for (int op = 2; op <= 14; op += 3)
                rows.Add(new ResultRow(models[m], "gsm", $"op{op}", 1, Math.Max(0, 0.9 - 0.06 * op + 0.04 * m), 64, 0.02));
            rows.Add(new ResultRow(models[m], "kk", "people4", 1, 0.2 + 0.1 * m, 100, 0.0625));
        }
        ResultsFile.AddRows(runDir, rows);
    }
}
