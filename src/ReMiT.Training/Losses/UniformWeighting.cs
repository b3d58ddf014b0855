using static TorchSharp.torch;

namespace ReMiT.Training.Losses;

/// <summary>
/// Plain next-token prediction, the baseline every weighting is compared against:
/// loss = −Σ mask·log p_θ(x_t) / Σ mask.
/// </summary>
internal sealed class UniformWeighting : ITokenWeighting
{
    public string Name => "uniform";

    public GuideNeed Need => GuideNeed.None;

    public TokenLossResult Loss(Tensor logits, Tensor targets, Tensor mask, GuideScores? guide)
    {
        TokenLoss.CheckInputs(logits, targets, mask);
        using var scope = NewDisposeScope();
        var (m, counted) = TokenLoss.Normalize(mask);
        var count = m.sum();
        var tokenLogProbs = TokenLoss.Gather(TokenLoss.LogSoftmax(logits), targets, counted); // (B, T)
        var loss = -TokenLoss.MaskedMean(tokenLogProbs, m, count);
        var stats = TokenLoss.UnitWeights(count, logits.device);
        return TokenLoss.ToOuterScope(loss, count, stats);
    }
}
