using static TorchSharp.torch;

namespace ReMiT.Model;

/// <summary>How to pick the next token from logits.</summary>
/// <param name="Temperature">0 = greedy (argmax); otherwise logits are divided by it.</param>
/// <param name="TopP">Nucleus sampling: keep the smallest set of tokens whose probability reaches P (1 = off).</param>
/// <param name="TopK">Keep only the K most likely tokens (0 = off).</param>
public sealed record SamplingOptions(double Temperature = 1.0, double TopP = 1.0, int TopK = 0)
{
    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        if (!(Temperature >= 0) || double.IsInfinity(Temperature)) e.Add($"temperature must be >= 0 and finite, got {Temperature}.");
        if (!(TopP > 0 && TopP <= 1)) e.Add($"top-p must be in (0, 1], got {TopP}.");
        if (TopK < 0) e.Add($"top-k must be >= 0, got {TopK}.");
        return e;
    }
}

/// <summary>
/// Picks next tokens for a batch. The log-prob returned is that of the chosen token under the
/// policy's sampling distribution, softmax(logits / T), before top-p/top-k truncation — the
/// behaviour log-prob GRPO's importance ratio needs (greedy uses T = 1). Truncation only decides
/// which tokens may be drawn.
/// </summary>
public static class Sampler
{
    /// <summary>Returns (tokens (B,), log-probs (B,)) for logits (B, V).</summary>
    public static (Tensor Tokens, Tensor LogProbs) Next(Tensor logits, SamplingOptions options, Generator? generator)
    {
        using var scope = NewDisposeScope();
        var scores = logits.to(ScalarType.Float32);
        Tensor tokens, logProbs;
        if (options.Temperature == 0)
        {
            logProbs = scores.log_softmax(-1);
            tokens = scores.argmax(-1);
        }
        else
        {
            scores = scores / options.Temperature;
            logProbs = scores.log_softmax(-1);
            var allowed = Truncate(scores, options);
            tokens = allowed.softmax(-1).multinomial(1, generator: generator).squeeze(-1);
        }
        var chosen = logProbs.gather(-1, tokens.unsqueeze(-1)).squeeze(-1);
        return (tokens.MoveToOuterDisposeScope(), chosen.MoveToOuterDisposeScope());
    }

    /// <summary>Scores with every token outside top-k / the top-p nucleus set to −∞.</summary>
    internal static Tensor Truncate(Tensor scores, SamplingOptions options)
    {
        long vocab = scores.shape[^1];
        if (options.TopK > 0 && options.TopK < vocab)
        {
            var kth = scores.topk(options.TopK, dim: -1).values[TensorIndex.Ellipsis, TensorIndex.Slice(-1, null)]; // (B, 1)
            scores = scores.masked_fill(scores < kth, double.NegativeInfinity);
        }
        if (options.TopP < 1.0)
        {
            var (sorted, order) = scores.sort(-1, descending: true);
            var probs = sorted.softmax(-1);
            // drop a token when the tokens ranked above it already reach P (so the top token always stays)
            var drop = (probs.cumsum(-1) - probs) >= options.TopP;
            var dropInVocabOrder = zeros_like(drop).scatter(-1, order, drop);
            scores = scores.masked_fill(dropInVocabOrder, double.NegativeInfinity);
        }
        return scores;
    }
}
