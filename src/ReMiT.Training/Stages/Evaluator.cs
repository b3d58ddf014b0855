using ReMiT.Model;
using ReMiT.Tasks.Evaluation;
using ReMiT.Training.Data;
using ReMiT.Training.Reporting;

namespace ReMiT.Training.Stages;

/// <summary>
/// Evaluation role: pass@1 is greedy; pass@k for k ≥ 2 is the unbiased estimator over n samples; per
/// difficulty, plus the named splits as means over their difficulties, each beside the
/// always-answer-the-most-common-number baseline of the same items.
/// </summary>
public sealed class Evaluator(RolloutGenerator generator, int samples, double temperature)
{
    /// <summary>The sampled k values reported: 2, 4, … up to the number of samples (k = 1 is greedy).</summary>
    public IReadOnlyList<int> Ks { get; } = Enumerable.Range(1, 12).Select(i => 1 << i).TakeWhile(k => k <= samples).ToArray();

    public IReadOnlyList<ResultRow> Evaluate(string modelName, DecoderModel model, EvalSet set,
                                             IReadOnlyDictionary<string, (int Min, int Max)> splits, long seed, TextWriter log)
    {
        var rows = new List<ResultRow>();
        var perDifficulty = new Dictionary<int, (double Greedy, double[] PassAtK, double Baseline, int N)>();
        foreach (var (difficulty, items) in set.ByDifficulty())
        {
            // greedy: one completion each, temperature 0
            var greedy = RewardVerifier.Score(generator.Generate(model, items, 0, seed, temperatureOverride: 0, samples: 1), items, generator);
            double greedyAcc = greedy.Average(r => r.Correct ? 1.0 : 0.0);
            // sampled: n completions each → unbiased pass@k per item, averaged
            double[] passAtK = [];
            if (Ks.Count > 0)
            {
                var sampled = RewardVerifier.Score(generator.Generate(model, items, 0, seed + difficulty, temperature, samples), items, generator);
                var correctPerItem = sampled.GroupBy(r => r.Group).Select(g => g.Count(r => r.Correct)).ToArray();
                passAtK = Ks.Select(k => correctPerItem.Average(c => PassAtK.Estimate(samples, c, k))).ToArray();
            }
            double baseline = set.MostCommonAnswerAccuracy(difficulty);
            perDifficulty[difficulty] = (greedyAcc, passAtK, baseline, items.Count);

            string split = $"{set.DifficultyName}{difficulty}";
            rows.Add(new ResultRow(modelName, set.Task, split, 1, greedyAcc, items.Count, baseline));
            for (int i = 0; i < Ks.Count; i++)
                rows.Add(new ResultRow(modelName, set.Task, split, Ks[i], passAtK[i], items.Count, baseline));
            log.WriteLine($"eval {modelName} {split}: greedy {greedyAcc:P0}" + (Ks.Count > 0 ? $", pass@{Ks[^1]} {passAtK[^1]:P0}" : "") +
                          $" (most-common-answer baseline {baseline:P0}, n={items.Count})");
        }
        foreach (var (split, (min, max)) in splits)
        {
            var members = perDifficulty.Where(d => d.Key >= min && d.Key <= max).Select(d => d.Value).ToArray();
            if (members.Length == 0) continue;
            int n = members.Sum(m => m.N);
            double baseline = members.Average(m => m.Baseline);
            rows.Add(new ResultRow(modelName, set.Task, split, 1, members.Average(m => m.Greedy), n, baseline));
            for (int i = 0; i < Ks.Count; i++)
                rows.Add(new ResultRow(modelName, set.Task, split, Ks[i], members.Average(m => m.PassAtK[i]), n, baseline));
        }
        return rows;
    }
}
