using ReMiT.Model.Checkpoints;
using ReMiT.Tasks.Gsm;
using ReMiT.Training.Data;
using ReMiT.Training.Losses;
using ReMiT.Training.Rl;

namespace ReMiT.Training.Flywheel;

/// <summary>
/// A whole flywheel run as plain data (presets live in cluster/presets/*.json): model size, the
/// tokenizer, and one section per stage. Loaded by <see cref="ConfigLoader"/>, which rejects unknown
/// keys and wrong types by path; <see cref="Validate"/> lists every problem before any tensor exists.
/// </summary>
public sealed record FlywheelConfig
{
    /// <summary>Name shown in reports (usually the preset's).</summary>
    public string Name { get; init; } = "custom";
    /// <summary>Model shape: a preset of ReMiT.Model.ModelPresets (smoke, tiny, small, base).</summary>
    public string Model { get; init; } = "tiny";
    public long Seed { get; init; } = 1;
    /// <summary>Loop count: 1 = ReMiT, 2 = also ReMiT2 (the RL model of the ReMiT branch guides a second mid-training).</summary>
    public int Iterations { get; init; } = 1;
    /// <summary>Token weightings to mid-train with, besides uniform and remit (e.g. "rho1", "kd").</summary>
    public IReadOnlyList<string> ExtraWeightings { get; init; } = [];
    public TokenizerSection Tokenizer { get; init; } = new();
    public PretrainSection Pretrain { get; init; } = new();
    public MidTrainSection MidTrain { get; init; } = new();
    public RlSection Rl { get; init; } = new();
    public EvalSection Eval { get; init; } = new();
    public ClusterSection Cluster { get; init; } = new();
    public SftSection Sft { get; init; } = new();
    /// <summary>Memory settings every training stage shares (<c>train.activation_checkpointing</c>).</summary>
    public TrainingMemorySection Train { get; init; } = new();
    /// <summary>How data-parallel learner ranks share the optimizer state (<c>learner.zero</c>).</summary>
    public LearnerSection Learner { get; init; } = new();
    /// <summary>
    /// Largest weight file of the models the run writes (<c>models/NAME</c>), as <c>remit convert --max-shard-size</c> takes it
    /// (e.g. "5GB", "500MB", "2GiB"): a bigger model is split into <c>model-0000i-of-0000N.safetensors</c> plus the index.
    /// </summary>
    public string MaxShardSize { get; init; } = "5GB";
    /// <summary>Set by <see cref="DryRun.Apply"/>: every stage capped to a few steps; results mean nothing.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("dry_run")]
    public bool IsDryRun { get; init; }

    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        if (Iterations is < 1 or > 4) e.Add($"iterations must be 1–4, got {Iterations}.");
        foreach (string w in ExtraWeightings)
            if (w is not ("rho1" or "kd")) e.Add($"extra_weightings: unknown '{w}'; expected rho1 or kd.");
        e.AddRange(Tokenizer.Validate().Select(x => "tokenizer." + x));
        e.AddRange(Pretrain.Validate().Select(x => "pretrain." + x));
        e.AddRange(MidTrain.Validate().Select(x => "mid_train." + x));
        e.AddRange(Rl.Validate().Select(x => "rl." + x));
        e.AddRange(Eval.Validate().Select(x => "eval." + x));
        e.AddRange(Cluster.Validate().Select(x => "cluster." + x));
        e.AddRange(Sft.Validate().Select(x => "sft." + x));
        e.AddRange(Learner.Validate().Select(x => "learner." + x));
        try { ShardSize.Parse(MaxShardSize); }
        catch (ArgumentException x) { e.Add($"max_shard_size: {x.Message}"); }
        if (Rl.PromptsPerStep % Cluster.PromptsPerWork != 0)
            e.Add($"cluster.prompts_per_work ({Cluster.PromptsPerWork}) must divide rl.prompts_per_step ({Rl.PromptsPerStep}).");
        return e;
    }
}

public sealed record TokenizerSection
{
    public int VocabSize { get; init; } = 2200;
    /// <summary>Documents drawn from the pre-training and mid-training mixtures to train the BPE on.</summary>
    public int Documents { get; init; } = 2000;

    public IReadOnlyList<string> Validate() =>
        [.. VocabSize < 300 ? new[] { $"vocab_size must be >= 300 (256 bytes + specials + merges), got {VocabSize}." } : [],
         .. Documents < 10 ? new[] { $"documents must be >= 10, got {Documents}." } : []];
}

/// <summary>Shared optimisation knobs of the token-level stages.</summary>
public abstract record TrainSection
{
    public int BatchSize { get; init; } = 16;
    public int SeqLen { get; init; } = 256;
    /// <summary>Micro-batches per optimizer step (gradient accumulation).</summary>
    public int Accumulation { get; init; } = 1;
    public double Lr { get; init; } = 3e-3;
    public double WeightDecay { get; init; } = 0.1;
    public double ClipNorm { get; init; } = 1.0;
    /// <summary>Checkpoint every this many steps (and always at the end), for --resume.</summary>
    public int CheckpointEvery { get; init; } = 100;
    public int LogEvery { get; init; } = 10;

    protected List<string> ValidateTraining()
    {
        var e = new List<string>();
        if (BatchSize < 1) e.Add($"batch_size must be >= 1, got {BatchSize}.");
        if (SeqLen < 8) e.Add($"seq_len must be >= 8, got {SeqLen}.");
        if (Accumulation < 1) e.Add($"accumulation must be >= 1, got {Accumulation}.");
        if (!(Lr > 0)) e.Add($"lr must be > 0, got {Lr}.");
        if (WeightDecay < 0) e.Add($"weight_decay must be >= 0, got {WeightDecay}.");
        if (CheckpointEvery < 1) e.Add($"checkpoint_every must be >= 1, got {CheckpointEvery}.");
        if (LogEvery < 1) e.Add($"log_every must be >= 1, got {LogEvery}.");
        return e;
    }
}

/// <summary>Next-token pre-training up to the start of the decay phase (warmup + stable of a WSD schedule).</summary>
public sealed record PretrainSection : TrainSection
{
    public CorpusMixture Corpus { get; init; } = new([new GsmCorpusSource { Ops = "2-8" }]);
    public int Documents { get; init; } = 20000;
    public int WarmupSteps { get; init; } = 50;
    public int StableSteps { get; init; } = 1000;

    public IReadOnlyList<string> Validate()
    {
        var e = ValidateTraining();
        e.AddRange(Corpus.Validate().Select(x => "corpus." + x));
        if (Documents < 1) e.Add($"documents must be >= 1, got {Documents}.");
        if (WarmupSteps < 0 || StableSteps < 1) e.Add($"warmup_steps >= 0 and stable_steps >= 1 expected, got {WarmupSteps} and {StableSteps}.");
        return e;
    }
}

/// <summary>Mid-training: the decay (annealing) phase from the pre-decay checkpoint, with a token weighting.</summary>
public sealed record MidTrainSection : TrainSection
{
    public CorpusMixture Corpus { get; init; } = new([new GsmCorpusSource { Ops = "2-3", Weight = 0.2 }, new GsmCorpusSource { Ops = "3-4", Weight = 0.8 }]);
    public int Documents { get; init; } = 5000;
    public int DecaySteps { get; init; } = 300;
    public double FinalLrRatio { get; init; } = 0.0;
    /// <summary>ReMiT's clip half-width ε (eq. 5).</summary>
    public double Epsilon { get; init; } = 0.2;
    /// <summary>Rho-1's share of tokens kept.</summary>
    public double Rho1KeepRatio { get; init; } = 0.8;
    /// <summary>KD's share of plain next-token loss mixed in.</summary>
    public double KdNtpMix { get; init; } = 0.0;
    /// <summary>KD's softmax temperature τ (the KL term is scaled by τ²).</summary>
    public double KdTemperature { get; init; } = 1.0;
    /// <summary>
    /// Typed weightings by arm name (<c>{"remit": {"type": "remit", "epsilon": 0.3}}</c>); an arm named here
    /// takes these settings over the flat keys above (epsilon, rho1_keep_ratio, kd_ntp_mix, kd_temperature).
    /// </summary>
    public Dictionary<string, TokenWeightingConfig> Weightings { get; init; } = [];
    /// <summary>
    /// "decay": continue the pre-training run (its weights, AdamW moments and step count) through the decay of
    /// warmup–stable–decay from the pre-training peak LR (ReMiT). "interplay": a fresh optimizer at this section's
    /// <c>lr</c>, cosine with <see cref="WarmupFraction"/> warm-up (the Interplay paper's mid-training).
    /// </summary>
    public string Recipe { get; init; } = MidTrainRecipes.Decay;
    /// <summary>decay recipe: share of decay_steps spent warming the LR up again from 0 to the peak (0: the decay starts at the peak).</summary>
    public double RewarmupFraction { get; init; } = 0.0;
    /// <summary>interplay recipe: share of decay_steps of linear warm-up before the cosine.</summary>
    public double WarmupFraction { get; init; } = 0.15;

    public IReadOnlyList<string> Validate()
    {
        var e = ValidateTraining();
        e.AddRange(Corpus.Validate().Select(x => "corpus." + x));
        if (Documents < 1) e.Add($"documents must be >= 1, got {Documents}.");
        if (DecaySteps < 1) e.Add($"decay_steps must be >= 1, got {DecaySteps}.");
        if (!(Epsilon > 0 && Epsilon < 1)) e.Add($"epsilon must be in (0, 1), got {Epsilon}.");
        if (!(KdTemperature > 0) || double.IsInfinity(KdTemperature)) e.Add($"kd_temperature must be a positive number, got {KdTemperature}.");
        if (Recipe is not (MidTrainRecipes.Decay or MidTrainRecipes.Interplay)) e.Add($"recipe must be \"{MidTrainRecipes.Decay}\" or \"{MidTrainRecipes.Interplay}\", got \"{Recipe}\".");
        if (!(RewarmupFraction >= 0 && RewarmupFraction < 1)) e.Add($"rewarmup_fraction must be in [0, 1), got {RewarmupFraction}.");
        if (!(WarmupFraction >= 0 && WarmupFraction < 1)) e.Add($"warmup_fraction must be in [0, 1), got {WarmupFraction}.");
        foreach (var (name, w) in Weightings) e.AddRange(w.Validate().Select(x => $"weightings.{name}: {x}"));
        return e;
    }

    /// <summary>The weighting config for an arm name: its typed entry in <see cref="Weightings"/>, else the built-in one from the flat keys.</summary>
    public TokenWeightingConfig Weighting(string name) => Weightings.TryGetValue(name, out var typed) ? typed : name switch
    {
        "uniform" => new UniformConfig(),
        "remit" => new ReMiTConfig { Epsilon = Epsilon },
        "rho1" => new Rho1Config { KeepRatio = Rho1KeepRatio },
        "kd" => new KdConfig { NtpMix = KdNtpMix, Temperature = KdTemperature },
        _ => throw new ArgumentException($"unknown token weighting '{name}'; expected uniform, remit, rho1, kd or a name in mid_train.weightings."),
    };
}

/// <summary>RLVR with GRPO on GSM problems (Interplay reward) or Knights &amp; Knaves puzzles (a K&amp;K reward scheme).</summary>
public sealed record RlSection
{
    /// <summary>"gsm" or "kk".</summary>
    public string Task { get; init; } = "gsm";
    /// <summary>GSM ops to train on ("3-4"), or "auto": measured per stage from the starting model (see <see cref="AutoOps"/>).</summary>
    public string Ops { get; init; } = "3-4";
    /// <summary>ops = auto: the candidate ops whose sampled pass@1 (at <see cref="Temperature"/>) is measured on a calibration set.</summary>
    public string AutoOps { get; init; } = "2-8";
    /// <summary>ops = auto: [low, high] sampled pass@1 that counts as the edge of competence (Interplay); the nearest op when none does.</summary>
    public IReadOnlyList<double> AutoBand { get; init; } = [0.05, 0.5];
    /// <summary>ops = auto: calibration problems per candidate op.</summary>
    public int CalibrationPerOp { get; init; } = 16;
    /// <summary>ops = auto: samples per calibration problem.</summary>
    public int CalibrationSamples { get; init; } = 8;

    /// <summary>Whether the stage's ops are measured (<c>ops: "auto"</c>).</summary>
    public bool MeasuresOps() => Ops == "auto";
    /// <summary>kk: people per puzzle.</summary>
    public string People { get; init; } = "3-5";
    /// <summary>kk: reward scheme (binary, warmup, logic-rl).</summary>
    public string KkScheme { get; init; } = "warmup";
    public IReadOnlyList<string> Templates { get; init; } = ["zoo", "teachers", "movie"];
    public IReadOnlyList<string> Modes { get; init; } = ["forward"];
    public int Steps { get; init; } = 100;
    public int PromptsPerStep { get; init; } = 8;
    /// <summary>Completions per prompt (GRPO's G).</summary>
    public int GroupSize { get; init; } = 8;
    public int MaxNewTokens { get; init; } = 160;
    public double Temperature { get; init; } = 1.0;
    public double Lr { get; init; } = 5e-4;
    public double ClipNorm { get; init; } = 1.0;
    public double ClipLow { get; init; } = 0.2;
    public double ClipHigh { get; init; } = 0.28;
    public double KlBeta { get; init; } = 0.0;
    /// <summary>"grpo" = (r − mean)/(std + 1e-6); "dr_grpo" = r − mean.</summary>
    public string Advantage { get; init; } = "grpo";
    /// <summary>"token" (DAPO) or "sequence".</summary>
    public string Normalization { get; init; } = "token";
    public bool DynamicSampling { get; init; } = true;
    /// <summary>
    /// DAPO refill: after a step's prompts are scored, rounds of extra prompts (as many as groups were dropped,
    /// in whole work items) are drawn until prompts_per_step groups have mixed rewards or this many extra rounds
    /// were drawn (0 = drop without refilling). Each round costs one more generate-and-verify pass.
    /// </summary>
    public int MaxRefillRounds { get; init; } = 1;
    /// <summary>Completions this close to max_new_tokens start paying DAPO's soft overlong penalty (0 = off).</summary>
    public int OverlongBuffer { get; init; } = 0;
    /// <summary>Rollouts older than this many policy versions are dropped.</summary>
    public int MaxStaleness { get; init; } = 1;
    public int CheckpointEvery { get; init; } = 25;
    public int LogEvery { get; init; } = 5;

    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        if (Steps < 1) e.Add($"steps must be >= 1, got {Steps}.");
        if (Task is not ("gsm" or "kk")) e.Add($"task must be gsm or kk, got '{Task}'.");
        if (MeasuresOps())
        {
            e.AddRange(ConfigChecks.Parses("auto_ops", AutoOps, x => GsmOpRange.Parse(x)));
            if (AutoBand.Count != 2 || !(AutoBand[0] >= 0 && AutoBand[0] <= AutoBand[1] && AutoBand[1] <= 1))
                e.Add($"auto_band must be [low, high] with 0 ≤ low ≤ high ≤ 1, got [{string.Join(", ", AutoBand)}].");
            if (CalibrationPerOp < 1) e.Add($"calibration_per_op must be >= 1, got {CalibrationPerOp}.");
            if (CalibrationSamples < 1) e.Add($"calibration_samples must be >= 1, got {CalibrationSamples}.");
            if (Task != "gsm") e.Add($"ops = auto measures GSM ops; task is '{Task}' (set task to gsm or give ops explicitly).");
        }
        else e.AddRange(ConfigChecks.Parses("ops", Ops, x => GsmOpRange.Parse(x)));
        e.AddRange(Templates.SelectMany((t, i) => ConfigChecks.Parses($"templates[{i}]", t, x => GsmTemplate.Parse(x))));
        e.AddRange(Modes.SelectMany((m, i) => ConfigChecks.Parses($"modes[{i}]", m, x => GsmModes.Parse(x))));
        if (!KkCorpusSource.TryParsePeople(People, out _, out _, out string? peopleError)) e.Add($"people: {peopleError}");
        if (KkScheme is not ("binary" or "warmup" or "logic-rl")) e.Add($"kk_scheme must be binary, warmup or logic-rl, got '{KkScheme}'.");
        if (PromptsPerStep < 1) e.Add($"prompts_per_step must be >= 1, got {PromptsPerStep}.");
        if (GroupSize < 2) e.Add($"group_size must be >= 2 (advantages compare samples of a group), got {GroupSize}.");
        if (MaxNewTokens < 1) e.Add($"max_new_tokens must be >= 1, got {MaxNewTokens}.");
        if (!(Temperature > 0)) e.Add($"temperature must be > 0 for exploration, got {Temperature}.");
        if (!(Lr > 0)) e.Add($"lr must be > 0, got {Lr}.");
        if (Advantage is not ("grpo" or "dr_grpo")) e.Add($"advantage must be grpo or dr_grpo, got '{Advantage}'.");
        if (Normalization is not ("token" or "sequence")) e.Add($"normalization must be token or sequence, got '{Normalization}'.");
        if (MaxStaleness < 0) e.Add($"max_staleness must be >= 0, got {MaxStaleness}.");
        if (MaxRefillRounds is < 0 or > 8) e.Add($"max_refill_rounds must be 0–8 (each round is another generation pass), got {MaxRefillRounds}.");
        if (OverlongBuffer < 0 || OverlongBuffer >= MaxNewTokens) e.Add($"overlong_buffer must be in [0, max_new_tokens), got {OverlongBuffer}.");
        e.AddRange(GrpoConfig().Validate());
        return e;
    }

    public GrpoLossConfig GrpoConfig() => new()
    {
        ClipLow = ClipLow, ClipHigh = ClipHigh, KlBeta = KlBeta,
        Normalization = Normalization == "sequence" ? LossNormalization.Sequence : LossNormalization.Token,
    };
}

/// <summary>
/// Evaluation (Interplay's protocol): greedy pass@1 and sampled pass@k per op, each at two correctness
/// levels (answer, strict), beside the most-common-answer baseline fit on the dev split. Problems are
/// disjoint from all training data (see <see cref="EvalSplits"/>).
/// </summary>
public sealed record EvalSection
{
    /// <summary>"gsm" or "kk" (K&amp;K: correct = the right assignment; both levels are equal).</summary>
    public string Task { get; init; } = "gsm";
    public string Ops { get; init; } = "2-6";
    /// <summary>kk: people per puzzle.</summary>
    public string People { get; init; } = "3-5";
    /// <summary>Which ops (kk: people counts) count as the ID / edge / hard splits in the results table (preset-specific).</summary>
    public string IdOps { get; init; } = "2-3";
    public string EdgeOps { get; init; } = "4";
    public string HardOps { get; init; } = "5-6";
    /// <summary>GSM modes evaluated; empty = those pre-training's corpus used (<see cref="EvalSplits.Modes"/>).</summary>
    public IReadOnlyList<string> Modes { get; init; } = [];
    /// <summary>GSM templates evaluated; empty = those pre-training's corpus used (<see cref="EvalSplits.Templates"/>).</summary>
    public IReadOnlyList<string> Templates { get; init; } = [];
    public int PerOp { get; init; } = 50;
    /// <summary>Samples per problem (n) for sampled pass@k, k = 1, 2, 4, … ≤ n (unbiased estimator).</summary>
    public int Samples { get; init; } = 8;
    /// <summary>Sampling temperature of the sampled metrics (greedy is its own metric).</summary>
    public double Temperature { get; init; } = 0.7;
    public int MaxNewTokens { get; init; } = 160;
    /// <summary>The eval set reported: "test" (reported numbers) or "dev" (for tuning presets); disjoint seeds.</summary>
    public string Split { get; init; } = "test";

    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        if (Task is not ("gsm" or "kk")) e.Add($"task must be gsm or kk, got '{Task}'.");
        if (PerOp < 1) e.Add($"per_op must be >= 1, got {PerOp}.");
        foreach (var (key, value) in new[] { ("ops", Ops), ("id_ops", IdOps), ("edge_ops", EdgeOps), ("hard_ops", HardOps) })
            e.AddRange(ConfigChecks.Parses(key, value, x => GsmOpRange.Parse(x)));
        if (!KkCorpusSource.TryParsePeople(People, out _, out _, out string? peopleError)) e.Add($"people: {peopleError}");
        e.AddRange(Templates.SelectMany((t, i) => ConfigChecks.Parses($"templates[{i}]", t, x => GsmTemplate.Parse(x))));
        e.AddRange(Modes.SelectMany((m, i) => ConfigChecks.Parses($"modes[{i}]", m, x => GsmModes.Parse(x))));
        if (Samples < 1) e.Add($"samples must be >= 1, got {Samples}.");
        if (!(Temperature > 0)) e.Add($"temperature must be > 0 (greedy is reported separately), got {Temperature}.");
        if (MaxNewTokens < 1) e.Add($"max_new_tokens must be >= 1, got {MaxNewTokens}.");
        if (Split is not ("test" or "dev")) e.Add($"split must be test (reported numbers) or dev (tuning), got '{Split}'.");
        return e;
    }
}

/// <summary>How the coordinator cuts and tracks work (the same in one process and on a cluster).</summary>
public sealed record ClusterSection
{
    /// <summary>Prompts per rollout work item (each gets G completions); must divide rl.prompts_per_step.</summary>
    public int PromptsPerWork { get; init; } = 2;
    /// <summary>A lease not answered within this many seconds is handed out again.</summary>
    public double LeaseTimeoutS { get; init; } = 600;
    /// <summary>Mid-training batches a learner keeps in flight at the guide (bounded prefetch).</summary>
    public int GuidePrefetch { get; init; } = 2;
    /// <summary>
    /// The run stops with an error naming what it waited for when work is outstanding (a lease, a
    /// learner's RL step or guide batch) and nothing has moved for this many seconds. Longer than
    /// <see cref="LeaseTimeoutS"/>, so a lost lease is reissued before the run gives up.
    /// </summary>
    public double StallTimeoutS { get; init; } = 1800;
    /// <summary>Seconds between idempotent re-sends of a request still unanswered (a learner's RL step or guide batch, a weights announcement).</summary>
    public double RetryAfterS { get; init; } = 30;
    /// <summary>Largest message sent in chunks (an RL step's rollouts), in MiB; a receiver refuses bigger ones and bounds what it buffers by it.</summary>
    public int MaxMessageMib { get; init; } = 64;

    public IReadOnlyList<string> Validate() =>
        [.. PromptsPerWork < 1 ? new[] { $"prompts_per_work must be >= 1, got {PromptsPerWork}." } : [],
         .. LeaseTimeoutS <= 0 ? new[] { $"lease_timeout_s must be > 0, got {LeaseTimeoutS}." } : [],
         .. GuidePrefetch < 1 ? new[] { $"guide_prefetch must be >= 1, got {GuidePrefetch}." } : [],
         .. !(StallTimeoutS > LeaseTimeoutS) ? new[] { $"stall_timeout_s must be > lease_timeout_s ({LeaseTimeoutS}) so a lost lease is reissued before the run is stopped, got {StallTimeoutS}." } : [],
         .. !(RetryAfterS > 0) || !(RetryAfterS < StallTimeoutS) ? new[] { $"retry_after_s must be > 0 and < stall_timeout_s ({StallTimeoutS}), got {RetryAfterS}." } : [],
         .. MaxMessageMib is < 1 or > 1024 ? new[] { $"max_message_mib must be in 1..1024, got {MaxMessageMib}." } : []];
}

/// <summary>Turns a parser's exception into a config problem naming the key, so every bad value is listed before a run starts.</summary>
internal static class ConfigChecks
{
    public static IEnumerable<string> Parses<T>(string key, string value, Func<string, T> parse)
    {
        string? problem = null;
        try { parse(value); }
        catch (ArgumentException e) { problem = $"{key} '{value}': {e.Message.Split(" (Parameter")[0]}"; }
        if (problem is not null) yield return problem;
    }
}
