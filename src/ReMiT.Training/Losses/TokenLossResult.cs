using static TorchSharp.torch;

namespace ReMiT.Training.Losses;

/// <summary>
/// One micro-batch's token-weighted loss. Every field is a tensor on the batch's device, so the
/// caller chooses when (and whether) to synchronise with the host.
/// </summary>
/// <param name="Loss">0-dim, differentiable with respect to the trained model's logits.</param>
/// <param name="TokenCount">
/// 0-dim: how many tokens the loss is averaged over (its denominator) — all masked tokens, or for
/// Rho-1 the selected ones. Weight micro-batch losses by it when accumulating gradients.
/// </param>
/// <param name="Stats">Summary of the token weights over the masked tokens.</param>
public sealed record TokenLossResult(Tensor Loss, Tensor TokenCount, WeightStats Stats);

/// <summary>
/// Summary of the per-token weights over the masked (counted) tokens of a batch, each 0-dim.
/// An all-padding batch gives zeros, never NaN.
/// </summary>
/// <param name="Mean">Mean weight (1 for uniform; the selected share for Rho-1's 0/1 weights).</param>
/// <param name="Std">Population standard deviation of the weights.</param>
/// <param name="ClippedShare">Share of masked tokens whose ReMiT weight sits at 1−ε or 1+ε.</param>
/// <param name="SelectedShare">Share of masked tokens that contribute to the loss (Rho-1's selection; 1 otherwise).</param>
public sealed record WeightStats(Tensor Mean, Tensor Std, Tensor ClippedShare, Tensor SelectedShare);
