using ReMiT.Model;

namespace ReMiT.Training.Planning;

/// <summary>
/// What <see cref="MemoryPlanner"/> plans for: a model shape and how one learner rank trains and generates with it.
/// Property names follow <c>remit plan</c>'s flags, and <see cref="Validate"/> names the flags, because that
/// command is where users meet these numbers.
/// </summary>
public sealed record MemoryPlanRequest
{
    /// <summary>The model's shape (a preset's, or a checkpoint's config.json; nothing is allocated).</summary>
    public required DecoderConfig Model { get; init; }

    /// <summary>Data-parallel learner ranks (--ranks).</summary>
    public int Ranks { get; init; } = 1;

    /// <summary>Tokens per training sequence (--seq-len).</summary>
    public int SeqLen { get; init; }

    /// <summary>Global sequences per micro-batch (--batch); each rank trains on ⌈batch / ranks⌉ rows of it, as <c>DataParallel.ShardRows</c> splits it.</summary>
    public int Batch { get; init; }

    /// <summary>ZeRO stage (--zero): 0 = every rank holds the whole optimizer state, 1 = each holds 1/ranks of it.</summary>
    public int Zero { get; init; }

    /// <summary>Model weights and activations in bfloat16 (--dtype bf16); false = float32. The optimizer is float32 either way.</summary>
    public bool Bfloat16 { get; init; }

    /// <summary>Recompute each decoder block in the backward pass (--activation-checkpointing).</summary>
    public bool ActivationCheckpointing { get; init; }

    /// <summary>Sequences one generation batch samples (--rollout-batch): prompts × group size.</summary>
    public int RolloutBatch { get; init; } = 64;

    /// <summary>Samples per prompt (--group-size); the engine prefills each prompt once into a cache of its own.</summary>
    public int GroupSize { get; init; } = 8;

    /// <summary>Longest prompt of a generation batch in tokens (--prompt-len).</summary>
    public int PromptLen { get; init; }

    /// <summary>Tokens generated per sequence (--max-new-tokens).</summary>
    public int MaxNewTokens { get; init; } = 160;

    /// <summary>Every problem, each naming its flag (empty when the request can be planned).</summary>
    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        if (Ranks < 1) e.Add($"--ranks must be >= 1, got {Ranks}.");
        if (SeqLen < 1) e.Add($"--seq-len must be >= 1, got {SeqLen}.");
        if (Batch < 1) e.Add($"--batch must be >= 1, got {Batch}.");
        if (Ranks >= 1 && Batch >= 1 && Batch < Ranks) e.Add($"--batch ({Batch}) must be at least --ranks ({Ranks}): every rank trains on its own rows.");
        if (Zero is not (0 or 1)) e.Add($"--zero must be 0 or 1, got {Zero}.");
        if (RolloutBatch < 1) e.Add($"--rollout-batch must be >= 1, got {RolloutBatch}.");
        if (GroupSize < 1) e.Add($"--group-size must be >= 1, got {GroupSize}.");
        if (PromptLen < 1) e.Add($"--prompt-len must be >= 1, got {PromptLen}.");
        if (MaxNewTokens < 1) e.Add($"--max-new-tokens must be >= 1, got {MaxNewTokens}.");
        foreach (string problem in Model.Validate()) e.Add($"model: {problem}");
        return e;
    }
}
