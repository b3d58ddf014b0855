using ReMiT.Model;
using ReMiT.Training.Losses;
using static TorchSharp.torch;

namespace ReMiT.Training.Stages;

/// <summary>
/// The frozen RL-tuned guide of ReMiT mid-training: one extra forward pass per batch (the paper's
/// whole cost), giving what the token weighting asks for — the log-prob of each target token
/// (ReMiT, Rho-1) or the full distribution (KD). No gradient, eval mode, never updated.
/// </summary>
public sealed class GuideScorer(DecoderModel guide) : IDisposable
{
    public DecoderModel Model { get; } = guide;

    /// <summary>What <paramref name="need"/> asks for about (B, T) inputs and targets; null when nothing.</summary>
    public GuideScores? Score(Tensor inputs, Tensor targets, GuideNeed need)
    {
        if (need == GuideNeed.None) return null;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Model.eval();
        var logits = Model.Forward(inputs).to(ScalarType.Float32);                               // (B, T, V)
        // log p(target) = logit(target) − logsumexp(logits): never writes a (B, T, V) log-softmax, which on a small
        // model with a large vocabulary is a good part of the guide's forward.
        var tokenLogProbs = logits.gather(-1, targets.unsqueeze(-1)).squeeze(-1) - logits.logsumexp(-1);     // (B, T)
        return new GuideScores(tokenLogProbs.MoveToOuterDisposeScope(),
                               need == GuideNeed.Logits ? logits.MoveToOuterDisposeScope() : null);
    }

    public void Dispose() => Model.Dispose();
}
