using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReMiT.Cli.JsonLines;
using ReMiT.Tasks.Evaluation;
using ReMiT.Tasks.Gsm;
using ReMiT.Tasks.KnightsKnaves;
using ReMiT.Tokenization;
using ReMiT.Tokenization.Training;

namespace ReMiT.Cli.Demo;

/// <summary>
/// The data and verification demo: generates both tasks' data, scores correct and deliberately broken
/// responses with the verifiers, trains the tokenizer on the corpus, and writes a report. Every
/// number in the report is recomputed from the files it writes.
/// </summary>
internal sealed class DemoRun(string outDir, int perSplit, int kkCount, ulong seed, TextWriter log)
{
    private readonly StringBuilder _report = new();
    private readonly JsonObject _summary = new();

    public int Run()
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(outDir);
        _report.AppendLine("# ReMiT.Distributed: data and verification demo").AppendLine();
        _report.AppendLine($"Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC with seed {seed}. Files are in this directory.").AppendLine();

        var gsm = GsmSection();
        var kk = KkSection();
        TokenizerSection(gsm.Select(p => p.Text).Concat(kk.Select(p => KkJson.ToJson(p)["text"]!.GetValue<string>())).ToList());
        PassAtKSection();

        _summary["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1);
        File.WriteAllText(Path.Combine(outDir, "summary.json"), _summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.WriteAllText(Path.Combine(outDir, "report.md"), _report.ToString());
        log.WriteLine($"demo: wrote {Path.Combine(outDir, "report.md")} ({clock.Elapsed.TotalSeconds:F1} s)");
        return 0;
    }

    private List<GsmProblem> GsmSection()
    {
        var generator = new GsmGenerator();
        var all = new List<GsmProblem>();
        var rows = new JsonArray();
        _report.AppendLine("## GSM-Infinite-style problems and the Interplay reward").AppendLine();
        _report.AppendLine("Mean rewards (outcome / process / combined) of the gold response and of broken copies of it.").AppendLine();
        _report.AppendLine("| split | ops | problems | gold | wrong answer | wrong step value | missing step | untagged answer |");
        _report.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var split in new[] { GsmSplit.Id, GsmSplit.Edge, GsmSplit.Hard })
        {
            var range = GsmOpRange.Of(split);
            string name = GsmOpRange.SplitName(range.Min);
            var progress = new Progress($"gsm {name}", perSplit, log);
            var problems = generator.Generate(range, perSplit, seed + (ulong)split).Select(p => { progress.Tick(); return p; }).ToList();
            progress.Done($"{problems.Count} problems, ops {range}");
            JsonLinesFile.Write(Path.Combine(outDir, $"gsm_{name}.jsonl"), problems.Select(GsmJson.ToJson));
            all.AddRange(problems);

            var cells = new List<string>();
            var variants = new (string Kind, Func<string, string?> Make)[]
            {
                ("gold", r => r), ("wrong_answer", Corruptions.GsmWrongAnswer), ("wrong_step", Corruptions.GsmWrongStep),
                ("missing_step", Corruptions.GsmMissingStep), ("untagged_answer", Corruptions.GsmUntaggedAnswer),
            };
            var row = new JsonObject { ["split"] = name, ["ops"] = range.ToString(), ["problems"] = problems.Count };
            foreach (var (kind, make) in variants)
            {
                var rewards = problems.Select(p => (p, r: make(p.GoldResponse))).Where(x => x.r is not null)
                    .Select(x => InterplayReward.Score(x.p.GoldSolution, x.p.Answer, x.r!)).ToList();
                double o = rewards.Average(r => r.Outcome), pr = rewards.Average(r => r.Process), c = rewards.Average(r => r.Combined);
                cells.Add($"{o:F2} / {pr:F2} / {c:F2}");
                row[kind] = new JsonObject { ["n"] = rewards.Count, ["outcome"] = Math.Round(o, 4), ["process"] = Math.Round(pr, 4), ["combined"] = Math.Round(c, 4) };
            }
            rows.Add(row);
            _report.AppendLine($"| {name} | {range} | {problems.Count} | {string.Join(" | ", cells)} |");
        }
        _report.AppendLine().AppendLine("The combined reward is 0 whenever the answer is wrong; a right answer with a broken trace keeps " +
                                        "only part of the process reward; an untagged answer gets outcome 0 (the Interplay code's behaviour).").AppendLine();
        _summary["gsm"] = rows;
        return all;
    }

    private List<KkPuzzle> KkSection()
    {
        var progress = new Progress("kk", kkCount, log);
        var puzzles = KkGenerator.Generate(2, 8, kkCount, seed).Select(p => { progress.Tick(); return p; }).ToList();
        progress.Done($"{puzzles.Count} puzzles, 2-8 people");
        JsonLinesFile.Write(Path.Combine(outDir, "kk.jsonl"), puzzles.Select(KkJson.ToJson));

        int unique = puzzles.Count(p => KkSolver.Solve(p.Statements).Count == 1);
        var scheme = KkRewardScheme.WarmUp;
        var variants = new (string Kind, Func<string, string?> Make)[]
        {
            ("gold", r => r), ("flipped_role", Corruptions.KkFlippedRole),
            ("missing_person", Corruptions.KkMissingPerson), ("no_conclusion", Corruptions.KkNoConclusion),
        };
        _report.AppendLine("## Knights & Knaves").AppendLine();
        _report.AppendLine($"{puzzles.Count} puzzles with 2–8 people; the brute-force solver finds exactly one solution for {unique} of them. " +
                           "Verdicts and mean reward under the Warm-up scheme (+2 correct, −0.5 wrong, −1 malformed, −2 no answer):").AppendLine();
        _report.AppendLine("| response | correct | wrong | malformed | mean reward |");
        _report.AppendLine("|---|---|---|---|---|");
        var rows = new JsonArray();
        foreach (var (kind, make) in variants)
        {
            var judged = puzzles.Select(p => (p, r: make(Completion(p)))).Where(x => x.r is not null)
                .Select(x => KkVerifier.Judge(x.r, x.p.Names, x.p.Solution)).ToList();
            int correct = judged.Count(j => j.Verdict == KkVerdict.Correct), wrong = judged.Count(j => j.Verdict == KkVerdict.Wrong);
            double mean = judged.Average(j => scheme.Reward(j));
            _report.AppendLine($"| {kind} | {correct} | {wrong} | {judged.Count - correct - wrong} | {mean:F2} |");
            rows.Add(new JsonObject { ["response"] = kind, ["n"] = judged.Count, ["correct"] = correct, ["wrong"] = wrong, ["mean_reward"] = Math.Round(mean, 4) });
        }
        _report.AppendLine();
        _summary["kk"] = new JsonObject { ["puzzles"] = puzzles.Count, ["uniquely_solvable"] = unique, ["verdicts"] = rows };
        return puzzles;
    }

    // The chain of thought and conclusion a model should produce after the prompt.
    private static string Completion(KkPuzzle p)
    {
        var json = KkJson.ToJson(p);
        return json["text"]!.GetValue<string>()[json["prompt"]!.GetValue<string>().Length..];
    }

    private void TokenizerSection(List<string> texts)
    {
        var clock = Stopwatch.StartNew();
        var tokenizer = BpeTrainer.Train(texts, new BpeTrainerOptions());
        double trainSeconds = clock.Elapsed.TotalSeconds;
        string dir = Path.Combine(outDir, "tokenizer");
        tokenizer.Save(Path.Combine(dir, "tokenizer.json"));
        var reloaded = HfTokenizer.Load(dir);
        long bytes = 0, tokens = 0;
        int exact = 0;
        foreach (string text in texts)
        {
            int[] ids = reloaded.Encode(text);
            bytes += Encoding.UTF8.GetByteCount(text);
            tokens += ids.Length;
            if (reloaded.Decode(ids) == text) exact++;
        }
        log.WriteLine($"tokenizer: vocab {tokenizer.VocabSize}, {bytes / (double)tokens:F2} bytes/token, trained in {trainSeconds:F1} s");
        _report.AppendLine("## Tokenizer").AppendLine();
        _report.AppendLine($"Byte-level BPE trained on the {texts.Count} texts above in {trainSeconds:F1} s: vocabulary {tokenizer.VocabSize} " +
                           $"(incl. the task tags and BOS/EOS/PAD), {bytes / (double)tokens:F2} bytes per token, {tokens / (double)texts.Count:F0} tokens per text on average. " +
                           $"Saved as `tokenizer/tokenizer.json` (Hugging Face format) and reloaded: {exact}/{texts.Count} texts decode back exactly." +
                           (tokenizer.VocabSize < new BpeTrainerOptions().VocabSize
                               ? " Training stopped below the 2200-token target because every word of this small synthetic lexicon is already one token." : "")).AppendLine();
        _summary["tokenizer"] = new JsonObject
        {
            ["vocab_size"] = tokenizer.VocabSize, ["bytes_per_token"] = Math.Round(bytes / (double)tokens, 3),
            ["round_trip_exact"] = exact, ["texts"] = texts.Count, ["train_seconds"] = Math.Round(trainSeconds, 2),
        };
    }

    private void PassAtKSection()
    {
        _report.AppendLine("## pass@k").AppendLine();
        _report.AppendLine("The unbiased estimator 1 − C(n−c, k)/C(n, k) for n = 16 samples, as used by every evaluation:").AppendLine();
        int[] ks = [1, 2, 4, 8, 16];
        _report.AppendLine("| correct of 16 | " + string.Join(" | ", ks.Select(k => $"pass@{k}")) + " |");
        _report.AppendLine("|---|" + string.Concat(ks.Select(_ => "---|")));
        foreach (int c in new[] { 0, 1, 4, 8, 16 })
            _report.AppendLine($"| {c} | " + string.Join(" | ", ks.Select(k => PassAtK.Estimate(16, c, k).ToString("F3", CultureInfo.InvariantCulture))) + " |");
        _report.AppendLine();
    }
}
