using System.Diagnostics;
using ReMiT.Model;
using ReMiT.Training.Data;
using ReMiT.Training.Losses;
using ReMiT.Training.Reporting;
using ReMiT.Training.Stages;
using static TorchSharp.torch;

namespace ReMiT.Training.Flywheel;

/// <summary>
/// The in-process driver of the flywheel, read top to bottom:
/// pretrain (to the start of the LR decay) → rl:base (RL model 1) → for each weighting, midtrain:w
/// from the pre-decay checkpoint (the decay phase; ReMiT guided by RL model 1) → rl:w → [ReMiT2:
/// midtrain:remit2 guided by remit+rl → rl:remit2] → eval of every model → report.
/// Every stage is a component with explicit inputs (model directories, config) and outputs (a model
/// directory, a stage summary, metric series), so the cluster can drive the same components.
/// A finished stage is skipped on --resume; an interrupted one continues from its last checkpoint.
/// </summary>
public sealed class FlywheelRun(FlywheelConfig config, string runDirectory, Device device, TextWriter log, CancellationToken cancellation)
{
    private readonly string _run = Path.GetFullPath(runDirectory);

    public void Execute(bool resume)
    {
        var config = PrepareRunDirectory(resume);
        var clock = Stopwatch.StartNew();
        using var metrics = MetricsLog.ForRun(_run);
        var ctx = new StageContext(_run, device, metrics, log, cancellation);
        var preset = ModelPresets.Get(config.Model);
        ulong seed = unchecked((ulong)config.Seed);

        // ---- data and tokenizer ----
        var pretrainDocs = config.Pretrain.Corpus.Generate(config.Pretrain.Documents, seed);
        var midDocs = config.MidTrain.Corpus.Generate(config.MidTrain.Documents, seed + 1);
        var tokenizer = RunTokenizer.TrainOrLoad(Path.Combine(_run, "tokenizer"),
            pretrainDocs.Take(config.Tokenizer.Documents).Concat(midDocs.Take(config.Tokenizer.Documents / 4)).Select(d => d.Text),
            config.Tokenizer.VocabSize);
        var modelConfig = preset.Config with
        {
            // Exactly the tokenizer's size: padding the head to a multiple of 64 would let sampling draw ids with no token.
            VocabSize = tokenizer.VocabSize,
            MaxPositionEmbeddings = Math.Max(preset.Config.MaxPositionEmbeddings, Math.Max(config.Pretrain.SeqLen, config.MidTrain.SeqLen) + config.Rl.MaxNewTokens + 512),
            BosTokenId = tokenizer.TokenToId(SpecialTokenIds.BosToken),
            EosTokenId = tokenizer.TokenToId(SpecialTokenIds.EosToken),
            PadTokenId = tokenizer.TokenToId(SpecialTokenIds.PadToken),
        };
        log.WriteLine($"flywheel: {config.Name} | model {preset.Name} ({modelConfig.ParameterCount():N0} parameters, vocab {modelConfig.VocabSize}) | device {device} | run {_run}");
        var pretrainData = new DocumentEncoder(tokenizer, maskPrompt: false).EncodeAll(pretrainDocs);
        var midData = new DocumentEncoder(tokenizer, maskPrompt: false).EncodeAll(midDocs);
        var trainingPrompts = pretrainDocs.Concat(midDocs).Select(d => d.Prompt).ToHashSet(StringComparer.Ordinal);
        var stages = new StageRunner(ctx, config, modelConfig, tokenizer, trainingPrompts);

        // ---- the flywheel ----
        stages.Pretrain("pretrain", "base", pretrainData, seed);
        stages.Rl("rl:base", from: "base", to: "base+rl", seed);
        var branches = new List<string> { "uniform", "remit" };
        branches.AddRange(config.ExtraWeightings);
        foreach (string weighting in branches)
        {
            string? guide = config.MidTrain.Weighting(weighting).Build().Need == GuideNeed.None ? null : "base+rl";
            stages.MidTrain($"midtrain:{weighting}", weighting, from: "base", to: weighting, guide, midData, seed);
            stages.Rl($"rl:{weighting}", from: weighting, to: weighting + "+rl", seed);
        }
        var evaluated = new List<string> { "base", "base+rl" };
        foreach (string b in branches) evaluated.AddRange([b, b + "+rl"]);
        for (int iteration = 2; iteration <= config.Iterations; iteration++)
        {
            // ReMiT2: the RL model trained from the previous ReMiT base guides the next mid-training.
            string previous = iteration == 2 ? "remit+rl" : $"remit{iteration - 1}+rl", name = $"remit{iteration}";
            stages.MidTrain($"midtrain:{name}", "remit", from: "base", to: name, previous, midData, seed);
            stages.Rl($"rl:{name}", from: name, to: name + "+rl", seed);
            evaluated.AddRange([name, name + "+rl"]);
        }
        foreach (string model in evaluated) stages.Evaluate(model, seed);

        var results = ResultsFile.Read(Path.Combine(_run, ResultsFile.FileName));
        log.WriteLine();
        log.WriteLine(RunReport.FormatResultsTable(results.Rows));
        RunReport.Build(_run, log.WriteLine);
        log.WriteLine($"flywheel: done in {clock.Elapsed:hh\\:mm\\:ss}; report: {Path.Combine(_run, "report.md")}");
    }

    // A new run writes its resolved config; --resume reads it back and refuses a changed one.
    private FlywheelConfig PrepareRunDirectory(bool resume)
    {
        string configPath = Path.Combine(_run, "config.json");
        if (resume)
        {
            if (!File.Exists(configPath))
                throw new ArgumentException($"--resume: {_run} has no config.json; it is not a flywheel run directory.");
            var saved = ConfigLoader.Load(configPath);
            if (ConfigLoader.ToJson(saved) != ConfigLoader.ToJson(config))
                log.WriteLine($"flywheel: resuming with the config saved in {configPath} (the one given now differs and is ignored)");
            return saved;
        }
        if (File.Exists(configPath))
            throw new ArgumentException($"{_run} already holds a run; continue it with --resume or choose another --out.");
        Directory.CreateDirectory(_run);
        File.WriteAllText(configPath, ConfigLoader.ToJson(config));
        return config;
    }
}
