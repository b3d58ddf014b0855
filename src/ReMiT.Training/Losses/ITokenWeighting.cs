using static TorchSharp.torch;

namespace ReMiT.Training.Losses;

/// <summary>
/// How mid-training turns next-token log-probabilities into a loss: uniform NTP, ReMiT's
/// RL-guided token weights (arXiv 2602.03075 eqs. 3–6), Rho-1's selective language modelling or
/// knowledge distillation. Chosen once from <see cref="TokenWeightingConfig"/>; the training loop
/// only ever calls <see cref="Loss"/> and never branches on <see cref="Name"/>.
/// </summary>
public interface ITokenWeighting
{
    /// <summary>Short name for logs and metric labels ("uniform", "remit", "rho1", "kd").</summary>
    string Name { get; }

    /// <summary>What the caller must compute with the guide before calling <see cref="Loss"/>.</summary>
    GuideNeed Need { get; }

    /// <summary>Computes the weighted next-token loss of one micro-batch.</summary>
    /// <param name="logits">(B, T, V) logits of the model being trained (the current policy p_θ), with gradient.</param>
    /// <param name="targets">(B, T) int64 next tokens.</param>
    /// <param name="mask">(B, T) 1 for tokens that count, 0 for padding and prompt.</param>
    /// <param name="guide">Guide outputs as <see cref="Need"/> requires; ignored when it is <see cref="GuideNeed.None"/>.</param>
    TokenLossResult Loss(Tensor logits, Tensor targets, Tensor mask, GuideScores? guide);
}
