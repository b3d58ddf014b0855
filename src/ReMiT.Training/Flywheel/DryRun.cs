using ReMiT.Training.Data;

namespace ReMiT.Training.Flywheel;

/// <summary>
/// <c>--dry-run</c>: the same stages through the same code path, capped so a whole preset or experiment
/// finishes in seconds to minutes — at most <see cref="Steps"/> optimizer steps per stage, <see cref="Rows"/>
/// rows per batch, <see cref="EvalProblemsPerOp"/> eval problems per op (one when the evaluation covers many difficulties), <see cref="NewTokens"/> new tokens,
/// rows of at most <see cref="SeqLen"/> tokens, a few calibration problems for rl.ops = auto, small corpora and tokenizer training sets. Dynamic sampling is
/// off so the RL loss runs even though an untrained model's rewards are all equal (dropping every group
/// would skip the loss, and with it e.g. the KL term). A pure transform of the config (the model shape is kept,
/// so what would crash at full size crashes here too); it is applied to the run-wide config and again
/// to every stage's effective config after its overrides, so no stage override lifts a cap.
/// </summary>
public static class DryRun
{
    public const int Steps = 2, Rows = 2, EvalProblemsPerOp = 4, NewTokens = 16, EvalSamples = 2, SeqLen = 128;
    // A preset that evaluates many difficulties (small: op 2-20) gets one problem per difficulty, so its dry run stays in CI's budget.
    private const int EvalProblemsInAll = 16;
    private const int PretrainDocuments = 64, MidTrainDocuments = 32, TokenizerDocuments = 64, SftDocuments = 8, MaxVocab = 600;

    public static FlywheelConfig Apply(FlywheelConfig c)
    {
        int prompts = Math.Min(c.Rl.PromptsPerStep, Rows);
        return c with
        {
            IsDryRun = true,
            Name = c.Name.EndsWith(" (dry run)", StringComparison.Ordinal) ? c.Name : c.Name + " (dry run)",
            Tokenizer = c.Tokenizer with { Documents = Math.Min(c.Tokenizer.Documents, TokenizerDocuments), VocabSize = Math.Min(c.Tokenizer.VocabSize, MaxVocab) },
            Pretrain = c.Pretrain with
            {
                // Warmup + stable = 2 steps (one warmup step when the preset warms up at all).
                WarmupSteps = Math.Min(c.Pretrain.WarmupSteps, 1), StableSteps = Steps - Math.Min(c.Pretrain.WarmupSteps, 1),
                BatchSize = Math.Min(c.Pretrain.BatchSize, Rows), SeqLen = Math.Min(c.Pretrain.SeqLen, SeqLen), Accumulation = 1,
                Documents = Math.Min(c.Pretrain.Documents, PretrainDocuments), CheckpointEvery = 1, LogEvery = 1,
            },
            MidTrain = c.MidTrain with
            {
                DecaySteps = Math.Min(c.MidTrain.DecaySteps, Steps), BatchSize = Math.Min(c.MidTrain.BatchSize, Rows),
                SeqLen = Math.Min(c.MidTrain.SeqLen, SeqLen), Accumulation = 1,
                Documents = Math.Min(c.MidTrain.Documents, MidTrainDocuments), CheckpointEvery = 1, LogEvery = 1,
            },
            Sft = c.Sft with
            {
                Steps = Math.Min(c.Sft.Steps, Steps), BatchSize = Math.Min(c.Sft.BatchSize, Rows), SeqLen = Math.Min(c.Sft.SeqLen, SeqLen),
                Documents = Math.Min(c.Sft.Documents, SftDocuments), WarmupSteps = Math.Min(c.Sft.WarmupSteps, 1), CheckpointEvery = 1, LogEvery = 1,
            },
            Rl = c.Rl with
            {
                Steps = Math.Min(c.Rl.Steps, Steps), PromptsPerStep = prompts, GroupSize = Math.Min(c.Rl.GroupSize, Rows),
                MaxNewTokens = Math.Min(c.Rl.MaxNewTokens, NewTokens), OverlongBuffer = Math.Min(c.Rl.OverlongBuffer, NewTokens / 2),
                DynamicSampling = false, CheckpointEvery = 1, LogEvery = 1,
                CalibrationPerOp = Math.Min(c.Rl.CalibrationPerOp, Rows), CalibrationSamples = Math.Min(c.Rl.CalibrationSamples, Rows),
            },
            Eval = c.Eval with
            {
                PerOp = Math.Min(c.Eval.PerOp, Math.Clamp(EvalProblemsInAll / Difficulties(c.Eval), 1, EvalProblemsPerOp)),
                Samples = Math.Min(c.Eval.Samples, EvalSamples),
                MaxNewTokens = Math.Min(c.Eval.MaxNewTokens, NewTokens),
            },
            // prompts_per_work must divide the capped prompts per step (1 or 2: any value up to it does).
            Cluster = c.Cluster with { PromptsPerWork = Math.Min(c.Cluster.PromptsPerWork, prompts) },
        };
    }

    // How many difficulties (GSM ops or K&K people counts) the evaluation covers.
    private static int Difficulties(EvalSection e)
    {
        if (e.Task == "kk") return KkCorpusSource.TryParsePeople(e.People, out int min, out int max, out _) ? max - min + 1 : 1;
        try { return ReMiT.Tasks.Gsm.GsmOpRange.Parse(e.Ops).Count; }
        catch (ArgumentException) { return 1; } // Validate() reports a bad range
    }
}
