namespace ReMiT.Training.Planning;

/// <summary>
/// Bytes one learner rank needs, by what holds them (see <see cref="MemoryPlanner"/> for each term's derivation).
/// Training and rollout generation take turns on a rank, so the peak is the larger of the two phases,
/// not their sum: <see cref="TotalBytes"/> = max(<see cref="TrainingPeakBytes"/>, <see cref="RolloutPeakBytes"/>).
/// </summary>
/// <param name="Params">Parameters of the model (embeddings and head once when tied).</param>
/// <param name="RowsPerRank">Training sequences this rank holds per micro-batch: ⌈batch / ranks⌉.</param>
/// <param name="WeightsBytes">The model's own parameters, in the model dtype.</param>
/// <param name="GradientsBytes">The parameters' .grad tensors (model dtype) plus the optimizer's float32 flat gradient; under ZeRO-1 instead this rank's gradient shard and the one-bucket staging buffers.</param>
/// <param name="OptimizerBytes">Float32 master weights and Adam's two moments (this rank's share under ZeRO-1).</param>
/// <param name="ActivationsBytes">Peak of what the forward pass keeps for backward, plus the loss's (B, T, V) tensors at the start of backward.</param>
/// <param name="OptimizerStepBytes">Temporaries of one optimizer step (Adam's denominator), with the logits the step scope still holds.</param>
/// <param name="KvCacheBytes">Keys and values of rollout generation: the prompts' cache and its copy per sample.</param>
/// <param name="PrefillBytes">The prompt prefill: its logits, alive while the batch samples, and its forward pass's temporaries.</param>
/// <param name="CheckpointBytes">What saving or loading a training checkpoint adds (ZeRO-1: one full float32 state buffer).</param>
public sealed record MemoryPlan(
    long Params, int RowsPerRank, long WeightsBytes, long GradientsBytes, long OptimizerBytes, long ActivationsBytes,
    long OptimizerStepBytes, long KvCacheBytes, long PrefillBytes, long CheckpointBytes = 0)
{
    /// <summary>Held for the whole run: weights, gradients and optimizer state.</summary>
    public long StaticBytes => WeightsBytes + GradientsBytes + OptimizerBytes;

    /// <summary>
    /// Peak of training: the static state plus the largest of the backward pass's activations, the optimizer step's
    /// temporaries and a checkpoint's buffer. The first two are counted with the logits, which the step holds until it
    /// ends (they are part of <see cref="ActivationsBytes"/>; <see cref="OptimizerStepBytes"/> adds them itself).
    /// </summary>
    public long TrainingPeakBytes => StaticBytes + Math.Max(Math.Max(ActivationsBytes, OptimizerStepBytes), CheckpointBytes);

    /// <summary>Peak while this rank generates rollouts: its static state stays allocated meanwhile.</summary>
    public long RolloutPeakBytes => StaticBytes + KvCacheBytes + PrefillBytes;

    public long TotalBytes => Math.Max(TrainingPeakBytes, RolloutPeakBytes);

    public bool Fits(long budgetBytes) => TotalBytes <= budgetBytes;
}
