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
        var baselines = set.MostCommonAnswerBaselines().ToDictionary(b => b.Difficulty, b => b.Accuracy);
        foreach (var group in set.Items.GroupBy(i => i.Difficulty).OrderBy(g => g.Key))
        {
            int difficulty = group.Key;
            var items = group.ToArray();
            string task = items[0].Task;
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
            double baseline = baselines[difficulty];

            string split = (task == "kk" ? "people" : "op") + difficulty;
            rows.Add(new ResultRow(modelName, task, split, 1, greedyAcc, items.Length, baseline));
            for (int i = 0; i < Ks.Count; i++)
                rows.Add(new ResultRow(modelName, task, split, Ks[i], passAtK[i], items.Length, baseline));
            log.WriteLine($"eval {modelName} {split}: greedy {greedyAcc:P0}" + (Ks.Count > 0 ? $", pass@{Ks[^1]} {passAtK[^1]:P0}" : "") +
                          $" (most-common-answer baseline {baseline:P0}, n={items.Length})");
            perDifficulty[difficulty] = (greedyAcc, passAtK, baseline, items.Length);
        }
        string setTask = set.Items.Count > 0 ? set.Items[0].Task : "gsm";
        foreach (var (split, (min, max)) in splits)
        {
            var members = perDifficulty.Where(d => d.Key >= min && d.Key <= max).Select(d => d.Value).ToArray();
            if (members.Length == 0) continue;
            int n = members.Sum(m => m.N);
            double baseline = members.Average(m => m.Baseline);
            rows.Add(new ResultRow(modelName, setTask, split, 1, members.Average(m => m.Greedy), n, baseline));
            for (int i = 0; i < Ks.Count; i++)
                rows.Add(new ResultRow(modelName, setTask, split, Ks[i], members.Average(m => m.PassAtK[i]), n, baseline));
        }
        return rows;
    }
}
