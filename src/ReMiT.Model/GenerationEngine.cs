using static TorchSharp.torch;

namespace ReMiT.Model;

/// <summary>What to generate.</summary>
/// <param name="MaxNewTokens">Upper bound on completion length.</param>
/// <param name="Sampling">Temperature / top-p / top-k.</param>
/// <param name="SamplesPerPrompt">G completions per prompt (GRPO's group size); the prompt is prefilled once.</param>
/// <param name="StopTokens">Token ids that end a completion (included in it).</param>
/// <param name="Seed">Seed of the sampling generator; same seed, same inputs ⇒ same completions.</param>
/// <param name="PadTokenId">Id used to left-pad prompts; it is never attended to, so any id works.</param>
public sealed record GenerationOptions(
    int MaxNewTokens,
    SamplingOptions Sampling,
    int SamplesPerPrompt = 1,
    IReadOnlyList<int>? StopTokens = null,
    long Seed = 0,
    int PadTokenId = 0);

/// <summary>One completion: its tokens and the behaviour log-prob of each.</summary>
/// <param name="PromptIndex">Which prompt it continues.</param>
/// <param name="SampleIndex">0…G−1 within that prompt's group.</param>
/// <param name="Stopped">True when it ended on a stop token (false: hit MaxNewTokens).</param>
public sealed record Completion(int PromptIndex, int SampleIndex, int[] TokenIds, float[] LogProbs, bool Stopped);

/// <summary>
/// Batched sampling with a KV cache: prompts of different lengths are left-padded and prefilled
/// once, the cache is copied for the G samples of each prompt, then one token per sequence is
/// decoded per step until every sequence stopped or the budget is spent.
/// </summary>
public static class GenerationEngine
{
    // Checking "all stopped?" copies a flag to the host; doing it every few steps keeps a GPU busy.
    private const int StopCheckInterval = 8;
    // At a check, stopped rows leave the batch once at most this fraction of the rows is still running.
    private const double CompactWhenRunningAtMost = 0.75;

    public static IReadOnlyList<Completion> Generate(DecoderModel model, IReadOnlyList<int[]> prompts, GenerationOptions options)
    {
        Validate(model, prompts, options);
        var device = model.parameters().First().device;
        int promptCount = prompts.Count, g = options.SamplesPerPrompt, rows = promptCount * g;
        int maxPrompt = prompts.Max(p => p.Length);
        var generator = new Generator((ulong)options.Seed, device);
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();

            // ---- prefill: left-pad, positions count real tokens only ----
            var (ids, valid) = LeftPad(prompts, maxPrompt, options.PadTokenId, device);      // (P, L) each
            var positions = (valid.to(ScalarType.Int64).cumsum(1) - 1).clamp_min(0);           // (P, L)
            var causal = ones(maxPrompt, maxPrompt, ScalarType.Bool, device: device).tril();  // (L, L)
            var self = eye(maxPrompt, dtype: ScalarType.Bool, device: device);
            // a pad query may attend to itself only, so no softmax row is empty (NaN); its output is unused
            var prefillMask = ((causal & valid.unsqueeze(1)) | self).unsqueeze(1);             // (P, 1, L, L)
            using var promptCache = model.NewCache(promptCount, maxPrompt + options.MaxNewTokens);
            long[] tokens;
            float[] logProbs;
            bool[] alive;
            int steps = 0;
            var lastLogits = model.Forward(ids, positions, prefillMask, promptCache)[.., -1, ..]; // (P, V)

            // ---- copy the prompt state for G samples each ----
            var rowOfPrompt = arange(promptCount, device: device).repeat_interleave(g);        // (R,)
            var cache = promptCache.Select(rowOfPrompt);
            try
            {
                var logits = lastLogits.index_select(0, rowOfPrompt);                           // (A, V), A active rows
                var keyValid = valid.index_select(0, rowOfPrompt);                              // (A, Tk)
                var nextPosition = positions[.., -1].index_select(0, rowOfPrompt) + 1;          // (A,)
                var activeRows = arange(rows, device: device);                                  // (A,) → row in 0…R−1

                // Outputs for all R rows, written per step at the rows still active; a dropped row stays "not alive".
                var tokensOut = zeros(rows, options.MaxNewTokens, ScalarType.Int64, device: device);
                var logProbsOut = zeros(rows, options.MaxNewTokens, ScalarType.Float32, device: device);
                var aliveOut = zeros(rows, options.MaxNewTokens, ScalarType.Bool, device: device);
                var stopIds = tensor((options.StopTokens ?? []).Select(t => (long)t).ToArray(), ScalarType.Int64, device);
                var stopped = zeros(rows, ScalarType.Bool, device: device);                     // (A,)
                for (int step = 0; step < options.MaxNewTokens; step++)
                {
                    var (token, logProb) = Sampler.Next(logits, options.Sampling, generator);   // (A,), (A,)
                    tokensOut.select(1, step).index_copy_(0, activeRows, token);
                    logProbsOut.select(1, step).index_copy_(0, activeRows, logProb.to(ScalarType.Float32));
                    aliveOut.select(1, step).index_copy_(0, activeRows, stopped.logical_not());
                    steps = step + 1;
                    if (stopIds.numel() > 0) stopped = stopped | isin(token, stopIds);
                    if (step == options.MaxNewTokens - 1) break;
                    if ((step + 1) % StopCheckInterval == 0)
                    {
                        long running = (long)stopped.logical_not().sum().item<long>();
                        if (running == 0) break;
                        // Stopped rows would otherwise be decoded to the end with the longest one; drop them once
                        // enough have stopped to pay for copying the cache (sampled evals: a few rambling rows
                        // kept hundreds of finished ones busy).
                        if (running <= stopped.shape[0] * CompactWhenRunningAtMost)
                        {
                            var keep = stopped.logical_not().nonzero().squeeze(1);
                            var smaller = cache.Select(keep);
                            cache.Dispose();
                            cache = smaller;
                            activeRows = activeRows.index_select(0, keep);
                            token = token.index_select(0, keep);
                            keyValid = keyValid.index_select(0, keep);
                            nextPosition = nextPosition.index_select(0, keep);
                            stopped = stopped.index_select(0, keep);
                        }
                    }

                    int active = (int)stopped.shape[0];
                    keyValid = cat([keyValid, ones(active, 1, ScalarType.Bool, device: device)], 1); // (A, Tk)
                    var stepLogits = model.Forward(token.unsqueeze(1), nextPosition.unsqueeze(1),
                                                   keyValid.unsqueeze(1).unsqueeze(1), cache);  // (A, 1, V)
                    logits = stepLogits[.., -1, ..];
                    nextPosition = nextPosition + 1;
                }

                // ---- one copy to the host at the end ----
                tokens = tokensOut[.., ..steps].contiguous().cpu().data<long>().ToArray();          // (R, S)
                logProbs = logProbsOut[.., ..steps].contiguous().cpu().data<float>().ToArray();
                alive = aliveOut[.., ..steps].contiguous().cpu().data<bool>().ToArray();
            }
            finally
            {
                cache.Dispose();
            }
            var stopSet = new HashSet<int>(options.StopTokens ?? []);
            var result = new Completion[rows];
            for (int r = 0; r < rows; r++)
            {
                int n = 0;
                while (n < steps && alive[r * steps + n]) n++;
                var completionIds = new int[n];
                var completionLogProbs = new float[n];
                for (int s = 0; s < n; s++)
                {
                    completionIds[s] = (int)tokens[r * steps + s];
                    completionLogProbs[s] = logProbs[r * steps + s];
                }
                result[r] = new Completion(r / g, r % g, completionIds, completionLogProbs, n > 0 && stopSet.Contains(completionIds[^1]));
            }
            return result;
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    private static (Tensor Ids, Tensor Valid) LeftPad(IReadOnlyList<int[]> prompts, int length, int pad, Device device)
    {
        var ids = new long[prompts.Count * length];
        var valid = new bool[prompts.Count * length];
        for (int i = 0; i < prompts.Count; i++)
        {
            int offset = length - prompts[i].Length;
            for (int j = 0; j < length; j++)
            {
                bool real = j >= offset;
                ids[i * length + j] = real ? prompts[i][j - offset] : pad;
                valid[i * length + j] = real;
            }
        }
        return (tensor(ids, [prompts.Count, length], ScalarType.Int64, device),
                tensor(valid, [prompts.Count, length], ScalarType.Bool, device));
    }

    private static void Validate(DecoderModel model, IReadOnlyList<int[]> prompts, GenerationOptions options)
    {
        var errors = new List<string>(options.Sampling.Validate());
        if (prompts.Count == 0) errors.Add("no prompts given.");
        if (options.MaxNewTokens < 1) errors.Add($"max new tokens must be >= 1, got {options.MaxNewTokens}.");
        if (options.SamplesPerPrompt < 1) errors.Add($"samples per prompt must be >= 1, got {options.SamplesPerPrompt}.");
        int vocab = model.Config.VocabSize;
        for (int i = 0; i < prompts.Count; i++)
        {
            if (prompts[i].Length == 0) errors.Add($"prompt {i} is empty.");
            foreach (int t in prompts[i])
                if (t < 0 || t >= vocab) { errors.Add($"prompt {i} has token id {t} outside the vocabulary [0, {vocab})."); break; }
        }
        int longest = prompts.Count == 0 ? 0 : prompts.Max(p => p.Length);
        if (longest + options.MaxNewTokens > model.Config.MaxPositionEmbeddings)
            errors.Add($"longest prompt ({longest}) + max new tokens ({options.MaxNewTokens}) exceeds max_position_embeddings {model.Config.MaxPositionEmbeddings}.");
        if (errors.Count > 0)
            throw new ArgumentException("cannot generate: " + string.Join(" ", errors));
    }
}
