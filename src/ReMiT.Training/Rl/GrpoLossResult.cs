using static TorchSharp.torch;

namespace ReMiT.Training.Rl;

/// <summary>
/// The clipped policy loss of one micro-batch and its diagnostics, each a 0-dim tensor on the
/// batch's device (the caller decides when to sync). Diagnostics are detached token means over
/// the masked completion tokens, whatever the loss normalisation.
/// </summary>
/// <param name="Loss">Differentiable with respect to the new log-probs.</param>
/// <param name="ClipFraction">Share of tokens where the clipped term is the binding one (no gradient there).</param>
/// <param name="ApproxKl">k3 estimate of KL(π_behaviour ‖ π_θ): mean of (r − 1) − log r, r = π_θ/π_behaviour.</param>
/// <param name="RatioMean">Mean importance ratio π_θ/π_behaviour.</param>
/// <param name="RefKl">Mean k3 KL to the reference policy (0 when no reference was given).</param>
public sealed record GrpoLossResult(Tensor Loss, Tensor ClipFraction, Tensor ApproxKl, Tensor RatioMean, Tensor RefKl);
