using static TorchSharp.torch;

namespace ReMiT.Training.Losses;

/// <summary>
/// Outputs of the frozen guide (the RL-tuned model for ReMiT, the reference model for Rho-1, the
/// teacher for KD) over the same batch the trained model sees. Treated as constants: no gradient
/// ever flows into them.
/// </summary>
/// <param name="TokenLogProbs">log p_guide(x_t | x_&lt;t) of each target token, (B, T).</param>
/// <param name="Logits">The guide's next-token logits, (B, T, V); only knowledge distillation needs them.</param>
public sealed record GuideScores(Tensor TokenLogProbs, Tensor? Logits = null);
