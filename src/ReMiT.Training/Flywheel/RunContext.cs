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
    private readonly Lazy<IReadOnlySet<string>> _trainingPrompts;
    private readonly Lazy<EvalSplits> _evalSplits;

    /// <param name="documents">The corpora when the caller already generated them (they are a pure function of the config).</param>
    private RunContext(string runDirectory, FlywheelConfig config, HfTokenizer tokenizer,
                       (IReadOnlyList<Document>, IReadOnlyList<Document>)? documents = null, EvalSplits? evalSplits = null)
    {
        RunDirectory = runDirectory;
        Config = config;
        Tokenizer = tokenizer;
        Seed = unchecked((ulong)config.Seed);
        var preset = ModelPresets.Get(config.Model);
        ModelConfig = preset.Config with
        {
            // Exactly the tokenizer's size: padding the head to a multiple of 64 would let sampling draw ids with no token.
            VocabSize = tokenizer.VocabSize,
            MaxPositionEmbeddings = Math.Max(preset.Config.MaxPositionEmbeddings,
                Math.Max(config.Pretrain.SeqLen, config.MidTrain.SeqLen) + config.Rl.MaxNewTokens + 512),
            BosTokenId = tokenizer.TokenToId(SpecialTokenIds.BosToken),
            EosTokenId = tokenizer.TokenToId(SpecialTokenIds.EosToken),
            PadTokenId = tokenizer.TokenToId(SpecialTokenIds.PadToken),
        };
        _evalSplits = evalSplits is not null ? new(evalSplits) : new(() => EvalSplits.Build(config, Seed));
        _documents = documents is { } given ? new(given) : new(() => Documents(config, Seed, HeldOutProblemIds));
        _pretrain = new(() => new DocumentEncoder(tokenizer, maskPrompt: false).EncodeAll(_documents.Value.Pre));
        _mid = new(() => new DocumentEncoder(tokenizer, maskPrompt: false).EncodeAll(_documents.Value.Mid));
        _trainingPrompts = new(() => _documents.Value.Pre.Concat(_documents.Value.Mid).Select(d => d.Prompt).ToHashSet(StringComparer.Ordinal));
    }

    public string RunDirectory { get; }
    public FlywheelConfig Config { get; }
    public HfTokenizer Tokenizer { get; }
    public DecoderConfig ModelConfig { get; }
    public ulong Seed { get; }

    public IReadOnlyList<TokenizedDocument> PretrainData => _pretrain.Value;
    public IReadOnlyList<TokenizedDocument> MidTrainData => _mid.Value;

    /// <summary>Every prompt the models trained on; evaluation never uses one of them.</summary>
    public IReadOnlySet<string> TrainingPrompts => _trainingPrompts.Value;

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
    public static RunContext Prepare(FlywheelConfig config, string runDirectory, bool resume, TextWriter log)
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
        }
        else
        {
            if (File.Exists(configPath))
                throw new ArgumentException($"{run} already holds a run; continue it with --resume or choose another --out.");
            Directory.CreateDirectory(run);
            File.WriteAllText(configPath, ConfigLoader.ToJson(config));
        }
        var evalSplits = EvalSplits.Build(config, unchecked((ulong)config.Seed));
        var documents = Documents(config, unchecked((ulong)config.Seed), evalSplits.HeldOutIds);
        var (pre, mid) = documents;
        RunTokenizer.TrainOrLoad(Path.Combine(run, "tokenizer"),
            pre.Take(config.Tokenizer.Documents).Concat(mid.Take(config.Tokenizer.Documents / 4)).Select(d => d.Text),
            config.Tokenizer.VocabSize);
        // Read back from the file, as every other node reads it, so all of them hold the same tokenizer.
        return new RunContext(run, config, HfTokenizer.Load(Path.Combine(run, "tokenizer", RunTokenizer.FileName)), documents, evalSplits);
    }

    /// <summary>Opens a prepared run directory (what every worker node does).</summary>
    public static RunContext Open(string runDirectory)
    {
        string run = Path.GetFullPath(runDirectory);
        string configPath = Path.Combine(run, "config.json"), tokenizerPath = Path.Combine(run, "tokenizer", RunTokenizer.FileName);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{run} has no config.json; the coordinator prepares the run directory first.", configPath);
        if (!File.Exists(tokenizerPath)) throw new FileNotFoundException($"{run} has no tokenizer yet; the coordinator trains it first.", tokenizerPath);
        var config = ConfigLoader.Load(configPath);
        return new RunContext(run, config, HfTokenizer.Load(tokenizerPath));
    }

    /// <summary>Pre- and mid-training corpora without any held-out (eval) problem.</summary>
    internal static (IReadOnlyList<Document>, IReadOnlyList<Document>) Documents(FlywheelConfig config, ulong seed, IReadOnlySet<string> heldOutIds) =>
        (config.Pretrain.Corpus.Generate(config.Pretrain.Documents, seed, heldOutIds),
         config.MidTrain.Corpus.Generate(config.MidTrain.Documents, seed + 1, heldOutIds));
}
