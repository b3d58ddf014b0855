using System.CommandLine;
using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Planning;

namespace ReMiT.Cli.Commands;

/// <summary>
/// The flags <c>remit plan</c> and <c>remit bench memory</c> share, and how they become a <see cref="MemoryPlanRequest"/>:
/// the model's shape from a checkpoint's config.json (nothing loaded) or a preset, and defaults for whatever the
/// preset knows (sequence length and batch; a flywheel preset also its RL generation batch).
/// </summary>
internal sealed class PlanInputs
{
    public Option<string?> Model { get; } = new("--model") { Description = "Model directory: only its config.json is read." };
    public Option<string?> Preset { get; } = new("--preset")
    {
        Description = "A flywheel preset in cluster/presets (its model, tokenizer vocabulary, pre-training batch and RL section) " +
                      "or a model preset (smoke, tiny, small, base), or a flywheel config .json path.",
    };
    public Option<int?> SeqLen { get; } = new("--seq-len") { Description = "Tokens per training sequence (default: the preset's)." };
    public Option<int?> Batch { get; } = new("--batch") { Description = "Global sequences per micro-batch, split over the ranks (default: the preset's)." };
    public Option<string> Dtype { get; } = new("--dtype") { Description = "Model weights and activations: bf16 or f32 (the optimizer is float32 either way).", DefaultValueFactory = _ => "f32" };
    public Option<int?> RolloutBatch { get; } = new("--rollout-batch") { Description = "Sequences per generation batch, prompts x group size (default: a flywheel preset's cluster.prompts_per_work x rl.group_size, else 2 x 8)." };
    public Option<int?> GroupSize { get; } = new("--group-size") { Description = "Samples per prompt (default: the flywheel preset's rl.group_size, else 8)." };
    public Option<int?> MaxNewTokens { get; } = new("--max-new-tokens") { Description = "Tokens generated per sequence (default: the flywheel preset's rl.max_new_tokens, else 160)." };
    public Option<int?> PromptLen { get; } = new("--prompt-len") { Description = "Longest prompt in tokens (default: --seq-len minus --max-new-tokens, at least 1)." };

    public IEnumerable<Option> All => [Model, Preset, SeqLen, Batch, Dtype, RolloutBatch, GroupSize, MaxNewTokens, PromptLen];

    /// <summary>The request (ranks 1, ZeRO 0: the caller sets those) and a line saying where the model came from.</summary>
    /// <exception cref="ArgumentException">A flag is missing, conflicting or out of range; the message names it.</exception>
    public (MemoryPlanRequest Request, string Source) Resolve(ParseResult p)
    {
        string? dir = p.GetValue(Model), preset = p.GetValue(Preset);
        if ((dir is null) == (preset is null))
            throw new ArgumentException("give exactly one of --model DIR (a checkpoint's config.json) and --preset NAME.");

        DecoderConfig config;
        string source;
        int? seqLen = null, batch = null;
        var flywheel = new FlywheelConfig(); // RL generation defaults when the source has none
        if (dir is not null)
        {
            string path = Path.Combine(dir, HfCheckpoint.ConfigFile);
            if (!File.Exists(path))
                throw new FileNotFoundException($"--model: '{dir}' has no {HfCheckpoint.ConfigFile}; point it at a Hugging Face model directory.", path);
            config = HfConfig.Load(path);
            source = path;
        }
        else if (FlywheelPreset(preset!) is { } file)
        {
            flywheel = ConfigLoader.Load(file);
            var modelPreset = ModelPresets.Get(flywheel.Model);
            // As RunContext builds it: the model preset's shape with the tokenizer's vocabulary.
            config = modelPreset.Config with { VocabSize = flywheel.Tokenizer.VocabSize };
            (seqLen, batch) = (flywheel.Pretrain.SeqLen, flywheel.Pretrain.BatchSize);
            source = $"{file} (model preset {modelPreset.Name}, vocabulary {config.VocabSize})";
        }
        else
        {
            var modelPreset = ModelPresets.All.FirstOrDefault(m => string.Equals(m.Name, preset, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"--preset: '{preset}' is neither a flywheel preset in cluster/presets nor a model preset " +
                                               $"({string.Join(", ", ModelPresets.All.Select(m => m.Name))}).");
            config = modelPreset.Config;
            (seqLen, batch) = (modelPreset.SeqLen, modelPreset.BatchSize);
            source = $"model preset {modelPreset.Name}";
        }

        int t = p.GetValue(SeqLen) ?? seqLen
            ?? throw new ArgumentException("--seq-len is required with --model: a checkpoint does not say how long its training sequences are.");
        int b = p.GetValue(Batch) ?? batch
            ?? throw new ArgumentException("--batch is required with --model: a checkpoint does not say how many sequences a step trains on.");
        int maxNew = p.GetValue(MaxNewTokens) ?? flywheel.Rl.MaxNewTokens;
        int group = p.GetValue(GroupSize) ?? flywheel.Rl.GroupSize;
        var request = new MemoryPlanRequest
        {
            Model = config,
            SeqLen = t,
            Batch = b,
            Bfloat16 = ParseDtype(p.GetValue(Dtype)!),
            RolloutBatch = p.GetValue(RolloutBatch) ?? flywheel.Cluster.PromptsPerWork * group,
            GroupSize = group,
            MaxNewTokens = maxNew,
            PromptLen = p.GetValue(PromptLen) ?? Math.Max(1, t - maxNew),
        };
        return (request, source);
    }

    /// <summary>True for bfloat16; the names remit's other commands take are accepted too.</summary>
    public static bool ParseDtype(string value) => value.ToLowerInvariant() switch
    {
        "bf16" or "bfloat16" => true,
        "f32" or "fp32" or "float32" => false,
        _ => throw new ArgumentException($"--dtype must be bf16 or f32, got '{value}'."),
    };

    private static string? FlywheelPreset(string nameOrPath)
    {
        if (nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return Presets.Resolve(nameOrPath);
        try
        {
            return Presets.Resolve(nameOrPath);
        }
        catch (ArgumentException)
        {
            return null; // not a flywheel preset: the caller tries the model presets
        }
    }
}
