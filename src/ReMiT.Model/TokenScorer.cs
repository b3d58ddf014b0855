using static TorchSharp.torch;

namespace ReMiT.Model;

/// <summary>
/// Per-token log-probabilities log p(x_t | x_&lt;t) of given sequences under a model — what the guide
/// computes for ReMiT weights and what <c>remit score</c> prints.
/// </summary>
public static class TokenScorer
{
    /// <summary>
    /// For each sequence of length T, T−1 log-probs (one per token after the first), computed in
    /// batches of right-padded sequences (causal attention never looks right, so padding cannot leak in).
    /// </summary>
    public static float[][] LogProbs(DecoderModel model, IReadOnlyList<int[]> sequences, int batchSize = 16)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int vocab = model.Config.VocabSize;
        for (int i = 0; i < sequences.Count; i++)
        {
            if (sequences[i].Length > model.Config.MaxPositionEmbeddings)
                throw new ArgumentException($"sequence {i} has {sequences[i].Length} tokens; the model takes at most {model.Config.MaxPositionEmbeddings}.");
            foreach (int t in sequences[i])
                if (t < 0 || t >= vocab)
                    throw new ArgumentException($"sequence {i} has token id {t} outside the vocabulary [0, {vocab}).");
        }
        var device = model.parameters().First().device;
        var result = new float[sequences.Count][];
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            for (int start = 0; start < sequences.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var batch = sequences.Skip(start).Take(batchSize).ToArray();
                int length = batch.Max(s => s.Length);
                if (length < 2)
                {
                    for (int i = 0; i < batch.Length; i++) result[start + i] = [];
                    continue;
                }
                var ids = new long[batch.Length * length];
                for (int i = 0; i < batch.Length; i++)
                    for (int j = 0; j < batch[i].Length; j++) ids[i * length + j] = batch[i][j];
                var input = tensor(ids, [batch.Length, length], ScalarType.Int64, device);
                var logits = model.Forward(input).to(ScalarType.Float32);                     // (B, T, V)
                var logp = logits[.., ..^1, ..].log_softmax(-1)
                    .gather(-1, input[.., 1..].unsqueeze(-1)).squeeze(-1).cpu();               // (B, T−1)
                float[] flat = logp.data<float>().ToArray();
                for (int i = 0; i < batch.Length; i++)
                {
                    int n = Math.Max(batch[i].Length - 1, 0);
                    result[start + i] = flat.AsSpan(i * (length - 1), n).ToArray();
                }
            }
        }
        finally
        {
            if (wasTraining) model.train();
        }
        return result;
    }
}
