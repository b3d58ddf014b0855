using ReMiT.Model;
using ReMiT.Training.Data;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Reporting;

namespace ReMiT.Training.Stages;

/// <summary>
/// Evaluation role: per problem, one greedy completion and <paramref name="samples"/> sampled ones at
/// <paramref name="temperature"/>, each judged at both correctness levels (<see cref="EvalJudge"/>), as
/// one <see cref="EvalRecord"/> per problem. Rows come from the records (<see cref="EvalRows.From"/>).
/// </summary>
public sealed class Evaluator(RolloutGenerator generator, int samples, double temperature)
{
    public IReadOnlyList<EvalRecord> Evaluate(string modelName, DecoderModel model, IReadOnlyList<EvalProblem> problems, long seed, TextWriter log)
    {
        var records = new List<EvalRecord>(problems.Count);
        // One difficulty at a time: its prompts have similar lengths, so batches pad little.
        foreach (var group in problems.GroupBy(p => p.Item.Difficulty).OrderBy(g => g.Key))
        {
            var batch = group.ToArray();
            var items = batch.Select(p => p.Item).ToArray();
            var greedy = new EvalJudgement[batch.Length];
            foreach (var r in generator.Generate(model, items, 0, seed, temperatureOverride: 0, samples: 1))
                greedy[r.Group] = EvalJudge.Judge(items[r.Group], generator.Text(r));
            var nAnswer = new int[batch.Length];
            var nStrict = new int[batch.Length];
            foreach (var r in generator.Generate(model, items, 0, seed + group.Key, temperature, samples))
            {
                var j = EvalJudge.Judge(items[r.Group], generator.Text(r));
                if (j.Answer) nAnswer[r.Group]++;
                if (j.Strict) nStrict[r.Group]++;
            }
            var made = batch.Select((p, i) => Record(p, greedy[i], samples, nAnswer[i], nStrict[i])).ToArray();
            records.AddRange(made);
            log.WriteLine($"eval {modelName} {(items[0].Task == "kk" ? "people" : "op")}{group.Key}: " +
                          $"greedy answer {made.Average(r => r.GreedyAnswer ? 1.0 : 0.0):P0} strict {made.Average(r => r.GreedyStrict ? 1.0 : 0.0):P0}, " +
                          $"sampled (T={temperature:0.##}) answer {made.Average(r => (double)r.NAnswer / samples):P0} strict {made.Average(r => (double)r.NStrict / samples):P0} " +
                          $"(guess baseline {made.Average(r => r.BaselineCorrect ? 1.0 : 0.0):P0}, n={made.Length})");
        }
        return records;
    }

    /// <summary>A problem's record from its judged greedy completion and sampled counts.</summary>
    public static EvalRecord Record(EvalProblem p, EvalJudgement greedy, int samples, int nAnswer, int nStrict) => new()
    {
        ProblemId = p.Id,
        Task = p.Item.Task,
        Op = p.Item.Task == "kk" ? null : p.Item.Difficulty,
        People = p.Item.Task == "kk" ? p.Item.Difficulty : null,
        Split = p.Split,
        EvalSplit = p.EvalSplit,
        Mode = p.Mode,
        Template = p.Template,
        GreedyAnswer = greedy.Answer,
        GreedyStrict = greedy.Strict,
        NSamples = samples,
        NAnswer = nAnswer,
        NStrict = nStrict,
        GreedySteps = greedy.Steps,
        GoldSteps = EvalJudge.GoldSteps(p.Item),
        GoldAnswer = p.Item.Answer,
        BaselineAnswer = p.BaselineAnswer,
        BaselineCorrect = p.BaselineAnswer == p.Item.Answer,
    };
}
