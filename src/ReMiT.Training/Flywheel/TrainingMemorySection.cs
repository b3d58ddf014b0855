using ReMiT.Model;

namespace ReMiT.Training.Flywheel;

/// <summary>
/// How every training stage (pretrain, mid_train, sft, rl) trades compute for memory; key <c>train</c>.
/// These settings change what a learner holds in memory, never the gradients it computes.
/// </summary>
public sealed record TrainingMemorySection
{
    /// <summary>
    /// Keep only each decoder block's input through the forward and recompute the block during backward
    /// (ReMiT.Model.DecoderModel.ActivationCheckpointing): activation memory of block inputs instead of every
    /// block's intermediates, for about a third more compute per step.
    /// </summary>
    public bool ActivationCheckpointing { get; init; }

    /// <summary>Sets these switches on a model a training stage is about to train.</summary>
    public void ApplyTo(DecoderModel model) => model.ActivationCheckpointing = ActivationCheckpointing;
}
