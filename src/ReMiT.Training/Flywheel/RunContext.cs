using ReMiT.Model;
using ReMiT.Tokenization;
using ReMiT.Training.Data;

namespace ReMiT.Training.Flywheel;

/// <summary>
/// What every node of a run shares, rebuilt from the run directory alone: the resolved config, the
/// run's tokenizer and model shape, and (lazily, since not every role needs them) the generated
/// corpora. Corpora are pure functions of the config's seed, so every node sees the same data
/// without it ever crossing the network.
/// </summary>
public sealed class RunContext
{
    private readonly Lazy<(IReadOnlyList<Document> Pre, IReadOnlyList<Document> Mid)> _documents;
    private readonly Lazy<IReadOnlyList<TokenizedDocument>> _pretrain, _mid;
    private readonly Lazy<EvalSplits> _evalSplits;

    private readonly Dictionary<string, RunContext> _stages = new(StringComparer.Ordinal);

    /// <param name="documents">The corpora when the caller already generated them (they are a pure function of the config).</param>
    /// <param name="evalSplits">The eval sets when already built; a stage's derived context shares its run's (every arm is evaluated on the same problems).</param>
    private RunContext(string runDirectory, FlywheelConfig config, HfTokenizer tokenizer, IReadOnlyList<PlannedStage>? plan,
                       (IReadOnlyList<Document>, IReadOnlyList<Document>)? documents = null, RunContext? corporaOf = null,
                       Lazy<EvalSplits>? evalSplits = null)
    {
        RunDirectory = runDirectory;
        Plan = plan ?? FlywheelPlan.Build(config);
        Config = config;
        Tokenizer = tokenizer;
        Seed = unchecked((ulong)config.Seed);
        var preset = ModelPresets.Get(config.Model);
        _modelConfig = preset.Config with
        {
            // Exactly the tokenizer's size: padding the head to a multiple of 64 would let sampling draw ids with no token.
            VocabSize = tokenizer.VocabSize,
            MaxPositionEmbeddings = Math.Max(preset.Config.MaxPositionEmbeddings,
                Math.Max(config.Pretrain.SeqLen, config.MidTrain.SeqLen) + config.Rl.MaxNewTokens + 512),
            BosTokenId = tokenizer.TokenToId(SpecialTokenIds.BosToken),
            EosTokenId = tokenizer.TokenToId(SpecialTokenIds.EosToken),
            PadTokenId = tokenizer.TokenToId(SpecialTokenIds.PadToken),
        };
        _evalSplits = evalSplits ?? new(() => EvalSplits.Build(config, Seed));
        if (corporaOf is not null)
        {
            // A stage whose corpus sections equal the run's shares its corpora (generated once, lazily).
            (_documents, _pretrain, _mid) = (corporaOf._documents, corporaOf._pretrain, corporaOf._mid);
            return;
        }
        _documents = documents is { } given ? new(given) : new(() => Documents(config, Seed, HeldOutProblemIds));
        _pretrain = new(() => new DocumentEncoder(tokenizer, maskPrompt: false).EncodeAll(_documents.Value.Pre));
        _mid = new(() => new DocumentEncoder(tokenizer, maskPrompt: false).EncodeAll(_documents.Value.Mid));
    }

    /// <summary>The stages this run walks: plan.json in the run directory when a custom plan was given, else <see cref="FlywheelPlan.Build"/>.</summary>
    public IReadOnlyList<PlannedStage> Plan { get; }

    /// <summary>
    /// The context a stage runs in: this one when the stage has no overrides, else one whose Config has
    /// them applied (as <c>--set</c> would; a dry run stays capped). The tokenizer and model shape are
    /// the run's; corpora are shared unless a corpus section or the seed differs, then regenerated lazily.
    /// </summary>
    public RunContext ForStage(PlannedStage stage)
    {
        if (stage.Overrides is not { Count: > 0 } overrides) return this;
        lock (_stages)
        {
            if (_stages.TryGetValue(stage.Name, out var cached)) return cached;
            var config = StageConfig(Config, stage.Name, overrides);
            bool sameCorpora = CorporaKey(config) == CorporaKey(Config);
            return _stages[stage.Name] = new RunContext(RunDirectory, config, Tokenizer, Plan, corporaOf: sameCorpora ? this : null, evalSplits: _evalSplits) { _modelConfig = ModelConfig };
        }
    }

    /// <summary>The context of the planned stage named <paramref name="name"/> (this one when the plan has no such stage).</summary>
    public RunContext ForStage(string name) => Plan.FirstOrDefault(s => s.Name == name) is { } stage ? ForStage(stage) : this;

    /// <summary>The context of the planned evaluation of model <paramref name="model"/>.</summary>
    public RunContext ForEval(string model) => Plan.FirstOrDefault(s => s.Kind == PlannedKind.Eval && s.To == model) is { } stage ? ForStage(stage) : this;

    /// <summary>A stage's effective config: <paramref name="overrides"/> on <paramref name="config"/>, validated; a dry run stays capped.</summary>
    /// <exception cref="InvalidDataException">An override names an unknown key, has the wrong type, or leaves the config invalid.</exception>
    public static FlywheelConfig StageConfig(FlywheelConfig config, string stageName, IReadOnlyList<string> overrides)
    {
        var tree = System.Text.Json.Nodes.JsonNode.Parse(ConfigLoader.ToJson(config))!;
        foreach (string o in overrides)
        {
            string key = o.Split('=')[0];
            if (key is "model" or "name" or "dry_run" or "seed" || key.StartsWith("tokenizer.", StringComparison.Ordinal) || key.StartsWith("eval.", StringComparison.Ordinal))
                throw new InvalidDataException($"stage {stageName}: override '{o}' changes what every stage shares (model, tokenizer, name, seed, the eval problems); set it run-wide instead.");
            try { ConfigLoader.Apply(tree, o); }
            catch (ArgumentException e) { throw new InvalidDataException($"stage {stageName}: {e.Message}", e); }
        }
        var derived = ConfigLoader.Parse(tree, $"stage {stageName} overrides");
        return config.IsDryRun ? DryRun.Apply(derived) : derived;
    }

    private static string CorporaKey(FlywheelConfig c) => System.Text.Json.JsonSerializer.Serialize(
        new { c.Seed, Pre = c.Pretrain.Corpus, PreDocs = c.Pretrain.Documents, Mid = c.MidTrain.Corpus, MidDocs = c.MidTrain.Documents }, ConfigLoader.Json);

    public string RunDirectory { get; }
    public FlywheelConfig Config { get; }
    public HfTokenizer Tokenizer { get; }
    /// <summary>The run's model shape (a stage's overrides never change it).</summary>
    public DecoderConfig ModelConfig => _modelConfig;
    private DecoderConfig _modelConfig;
    public ulong Seed { get; }

    public IReadOnlyList<TokenizedDocument> PretrainData => _pretrain.Value;
    public IReadOnlyList<TokenizedDocument> MidTrainData => _mid.Value;

    /// <summary>The dev and test eval sets, fixed before any training data (a pure function of the config and seed).</summary>
    public EvalSplits EvalSets => _evalSplits.Value;

    /// <summary>
    /// Ids (<see cref="ReMiT.Tasks.ProblemId"/>) of every dev and test eval problem. Every generator of
    /// training data — corpora, RL prompts, calibration sets — skips them.
    /// </summary>
    public IReadOnlySet<string> HeldOutProblemIds => EvalSets.HeldOutIds;

    public string PathOf(params string[] parts) => Path.Combine([RunDirectory, .. parts]);

    /// <summary>
    /// Starts a run (writes config.json, trains the tokenizer) or, with <paramref name="resume"/>, reopens
    /// one with its saved config; refuses to overwrite an existing run without it.
    /// </summary>
    /// <param name="plan">A custom plan (an experiment's), saved as plan.json; null: <see cref="FlywheelPlan.Build"/>.</param>
    public static RunContext Prepare(FlywheelConfig config, string runDirectory, bool resume, TextWriter log, IReadOnlyList<PlannedStage>? plan = null)
    {
        string run = Path.GetFullPath(runDirectory);
        string configPath = Path.Combine(run, "config.json");
        if (resume)
        {
            if (!File.Exists(configPath))
                throw new ArgumentException($"--resume: {run} has no config.json; it is not a flywheel run directory.");
            var saved = ConfigLoader.Load(configPath);
            if (ConfigLoader.ToJson(saved) != ConfigLoader.ToJson(config))
                log.WriteLine($"flywheel: resuming with the config saved in {configPath} (the one given now differs and is ignored)");
            config = saved;
            plan = PlanFile.Read(run) ?? (plan is null ? null : throw new ArgumentException($"--resume: {run} was started without a custom plan; resume it the way it was started."));
        }
        else
        {
            if (File.Exists(configPath))
                throw new ArgumentException($"{run} already holds a run; continue it with --resume or choose another --out.");
            Directory.CreateDirectory(run);
            if (plan is not null) PlanFile.Write(run, plan);
            File.WriteAllText(configPath, ConfigLoader.ToJson(config));
        }
        var evalSplits = EvalSplits.Build(config, unchecked((ulong)config.Seed));
        var documents = Documents(config, unchecked((ulong)config.Seed), evalSplits.HeldOutIds);
        var (pre, mid) = documents;
        RunTokenizer.TrainOrLoad(Path.Combine(run, "tokenizer"),
            pre.Take(config.Tokenizer.Documents).Concat(mid.Take(config.Tokenizer.Documents / 4)).Select(d => d.Text),
            config.Tokenizer.VocabSize);
        // Read back from the file, as every other node reads it, so all of them hold the same tokenizer.
        return new RunContext(run, config, HfTokenizer.Load(Path.Combine(run, "tokenizer", RunTokenizer.FileName)), plan, documents, evalSplits: new(evalSplits));
    }

    /// <summary>Opens a prepared run directory (what every worker node does).</summary>
    public static RunContext Open(string runDirectory)
    {
        string run = Path.GetFullPath(runDirectory);
        string configPath = Path.Combine(run, "config.json"), tokenizerPath = Path.Combine(run, "tokenizer", RunTokenizer.FileName);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{run} has no config.json; the coordinator prepares the run directory first.", configPath);
        if (!File.Exists(tokenizerPath)) throw new FileNotFoundException($"{run} has no tokenizer yet; the coordinator trains it first.", tokenizerPath);
        var config = ConfigLoader.Load(configPath);
        return new RunContext(run, config, HfTokenizer.Load(tokenizerPath), PlanFile.Read(run));
    }

    /// <summary>Pre- and mid-training corpora without any held-out (eval) problem.</summary>
    internal static (IReadOnlyList<Document>, IReadOnlyList<Document>) Documents(FlywheelConfig config, ulong seed, IReadOnlySet<string> heldOutIds) =>
        (config.Pretrain.Corpus.Generate(config.Pretrain.Documents, seed, heldOutIds),
         config.MidTrain.Corpus.Generate(config.MidTrain.Documents, seed + 1, heldOutIds));
}
