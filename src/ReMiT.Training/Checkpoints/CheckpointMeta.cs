using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ReMiT.Training.Checkpoints;

/// <summary>
/// Everything besides tensors that a resumed stage needs to continue exactly where it stopped:
/// position in the loop, the data cursor, the policy version, and the resolved config it ran with.
/// Randomness is derived from (seed, step), so the step is the RNG state.
/// </summary>
public sealed record CheckpointMeta
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;
    /// <summary>Stage that wrote it, e.g. "pretrain" or "midtrain:remit".</summary>
    public required string Stage { get; init; }
    /// <summary>Optimizer steps completed.</summary>
    public required int Step { get; init; }
    /// <summary>Policy version: counts weight updates across the whole run (rollouts are tagged with it).</summary>
    public long PolicyVersion { get; init; }
    /// <summary>Tokens trained on so far in this stage.</summary>
    public long Tokens { get; init; }
    /// <summary>The data cursor (the batcher's own JSON), so the next batch is the one that would have come.</summary>
    public JsonNode? DataCursor { get; init; }
    /// <summary>The resolved stage config, for the record and to refuse resuming with a different one.</summary>
    public JsonNode? Config { get; init; }

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
