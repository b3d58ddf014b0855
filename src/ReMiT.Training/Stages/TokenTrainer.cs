using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Training.Checkpoints;
using ReMiT.Training.Data;
using ReMiT.Training.Distributed;
using ReMiT.Training.Losses;
using ReMiT.Training.Optim;
using static TorchSharp.torch;

namespace ReMiT.Training.Stages;

/// <summary>How one token-level stage (pre-training, mid-training, SFT) trains.</summary>
/// <param name="Stage">Name in metrics, checkpoints and the report, e.g. "midtrain:remit".</param>
/// <param name="TotalSteps">Optimizer steps of the stage.</param>
/// <param name="LearningRate">Learning rate at a step (a schedule, e.g. the decay phase of WSD).</param>
/// <param name="FlopsPerToken">Training FLOPs per token and <paramref name="PeakFlops"/> the device's measured matmul
/// rate (per rank): when both are set, the stage logs model FLOP utilisation ("mfu").</param>
/// <param name="ContinueFrom">A folder holding the optimizer state (<c>optimizer.safetensors</c>) of the run this stage
/// continues, e.g. the pre-decay state beside <c>models/base</c>: a fresh stage starts from its weights, moments and step
/// count instead of a zero optimizer. The stage's own checkpoint, when there is one, wins.</param>
/// <param name="Zero">ZeRO stage of the data-parallel optimizer (<c>learner.zero</c>): 0 = every rank holds the whole state,
/// 1 = each holds its 1/N shard (<see cref="FlatAdamW"/>). The same steps either way.</param>
public sealed record TokenStageSpec(
    string Stage, int TotalSteps, Func<int, double> LearningRate, double ClipNorm, int Accumulation,
    int CheckpointEvery, int LogEvery, AdamWOptions Optimizer, double FlopsPerToken = 0, double PeakFlops = 0,
    string? ContinueFrom = null, int Zero = 0);

/// <summary>What a finished stage reports; <paramref name="Extra"/> holds stage-specific finals (e.g. RL's reward).</summary>
public sealed record StageOutcome(int Steps, long Tokens, double FinalLoss, double Seconds, IReadOnlyDictionary<string, double>? Extra = null);

/// <summary>
/// The learner loop shared by every token-level stage, in nanochat's order: set the LR, run the
/// micro-batches (guide scores first, then forward, weighted loss, backward), clip and step, log,
/// checkpoint. The loop never branches on the weighting's name: the <see cref="ITokenWeighting"/>
/// says whether it needs the guide, and the <see cref="IGuide"/> (local or remote) attaches its
/// scores to this rank's batches. Resumes exactly from the stage's last checkpoint: model,
/// optimizer, data cursor and step.
/// <para>
/// Data parallel with a collective of N ranks: each rank takes its B/N rows of every global
/// micro-batch (sharded here, in one place; the guide scores only those), losses are rescaled to the global token count and
/// gradients averaged, so every rank takes the step one process would take over the whole batch.
/// Rank 0 alone writes checkpoints; every rank restores from the same folder. With ZeRO-1 (<see cref="TokenStageSpec.Zero"/>)
/// each rank keeps only its shard of the optimizer state and the checkpoint gathers it, so a run resumes on any rank count.
/// </para>
/// </summary>
public static class TokenTrainer
{
    /// <summary>Seconds one optimizer step waited for the guide's scores (logged every step of a guided stage).</summary>
    public const string GuideWaitMetric = "guide_wait_seconds";

    /// <param name="makeBatcher">Builds the data stream, from the start (null) or from a saved cursor.</param>
    /// <param name="collective">Data-parallel ranks (null: one process). Only rank 0 should get a console log and a metrics file.</param>
    public static StageOutcome Run(StageContext ctx, TokenStageSpec spec, DecoderModel model, Func<DataCursor?, ITokenBatcher> makeBatcher,
                                   ITokenWeighting weighting, IGuide? guide, string checkpointDir,
                                   ICollective? collective = null)
    {
        using var optimizer = new FlatAdamW(model.named_parameters(), spec.Optimizer, collective, spec.Zero);
        int step = 0;
        long tokens = 0;
        DataCursor? cursor = null;
        if (TrainingCheckpoint.Exists(checkpointDir))
        {
            var meta = TrainingCheckpoint.Restore(checkpointDir, spec.Stage, model, optimizer);
            cursor = meta.DataCursor?.Deserialize<DataCursor>() ?? throw new InvalidDataException($"{checkpointDir}: no data cursor saved.");
            step = meta.Step;
            tokens = meta.Tokens;
            ctx.Log.WriteLine($"{spec.Stage}: resuming at step {step}/{spec.TotalSteps}");
        }
        else if (spec.ContinueFrom is { } from)
        {
            TrainingCheckpoint.LoadOptimizer(from, optimizer);
            ctx.Log.WriteLine($"{spec.Stage}: continuing the optimizer state in {from} (optimizer step {optimizer.StepCount})");
        }
        DataParallel.BroadcastMaster(optimizer, collective); // every rank starts from rank 0's weights

        if (weighting.Need != GuideNeed.None && guide is null)
            throw new ArgumentException($"{spec.Stage}: the '{weighting.Name}' weighting needs a guide model, and none was given.");
        // Sharded before the guide sees it: the guide scores this rank's rows only.
        ITokenBatcher shard = DataParallel.ShardRows(makeBatcher(cursor), collective);
        ITokenBatcher data = weighting.Need == GuideNeed.None || guide is null ? shard : guide.Attach(shard, weighting.Need);
        TimeSpan waitedBefore = guide?.Waited ?? TimeSpan.Zero;
        model.train();
        var clock = Stopwatch.StartNew();
        double lastLoss = double.NaN;
        long tokensAtLog = tokens;
        int stepAtLog = step;
        var sinceLog = Stopwatch.StartNew();
        while (step < spec.TotalSteps)
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            double lr = spec.LearningRate(step);
            using var scope = NewDisposeScope();

            // ---- one optimizer step: accumulate micro-batches ----
            Tensor lossSum = zeros(1, device: ctx.Device), weightMean = zeros(1, device: ctx.Device);
            Tensor weightStd = zeros(1, device: ctx.Device), clipped = zeros(1, device: ctx.Device);
            for (int micro = 0; micro < spec.Accumulation; micro++)
            {
                using TokenBatch batch = data.Next();
                var logits = model.Forward(batch.Inputs);                                     // (B, T, V)
                var result = weighting.Loss(logits, batch.Targets, batch.Mask, batch.Guide);
                result = DataParallel.ToGlobalTokenShare(result, collective);
                (result.Loss / spec.Accumulation).backward();
                lossSum += result.Loss.detach();
                weightMean += result.Stats.Mean; weightStd += result.Stats.Std; clipped += result.Stats.ClippedShare;
                tokens += batch.Targets.numel() * (collective?.Size ?? 1); // global: every rank has B/N rows
            }
            optimizer.GatherGradients();
            optimizer.AverageGradients();
            var gradNorm = optimizer.Step(lr, spec.ClipNorm);
            step++;
            if (data != shard)
            {
                // The learner's wait for the guide in this step: a guide that keeps ahead shows ~0 here.
                TimeSpan waited = guide!.Waited;
                ctx.Metrics.Append(spec.Stage, step, GuideWaitMetric, (waited - waitedBefore).TotalSeconds);
                waitedBefore = waited;
            }

            // ---- log: .item() is a sync point, so only every LogEvery steps ----
            if (step % spec.LogEvery == 0 || step == spec.TotalSteps)
            {
                DataParallel.AverageScalars(collective, lossSum, weightMean, weightStd, clipped);
                double loss = lossSum.item<float>() / spec.Accumulation;
                lastLoss = loss;
                double tokPerS = (tokens - tokensAtLog) / Math.Max(sinceLog.Elapsed.TotalSeconds, 1e-9);
                ctx.Metrics.Append(spec.Stage, step, "loss", loss);
                ctx.Metrics.Append(spec.Stage, step, "lr", lr);
                ctx.Metrics.Append(spec.Stage, step, "grad_norm", gradNorm.item<float>());
                ctx.Metrics.Append(spec.Stage, step, "tokens_per_s", tokPerS);
                ctx.Metrics.Append(spec.Stage, step, "step_seconds", sinceLog.Elapsed.TotalSeconds / Math.Max(step - stepAtLog, 1));
                if (spec.FlopsPerToken > 0 && spec.PeakFlops > 0)
                    ctx.Metrics.Append(spec.Stage, step, "mfu", tokPerS * spec.FlopsPerToken / (spec.PeakFlops * (collective?.Size ?? 1)));
                ctx.Metrics.Append(spec.Stage, step, "tokens", tokens);
                if (weighting.Need != GuideNeed.None)
                {
                    ctx.Metrics.Append(spec.Stage, step, "weight_mean", weightMean.item<float>() / spec.Accumulation);
                    ctx.Metrics.Append(spec.Stage, step, "weight_std", weightStd.item<float>() / spec.Accumulation);
                    ctx.Metrics.Append(spec.Stage, step, "weight_clipped", clipped.item<float>() / spec.Accumulation);
                }
                double eta = (spec.TotalSteps - step) * clock.Elapsed.TotalSeconds / Math.Max(step, 1);
                ctx.Log.WriteLine($"{spec.Stage} step {step:D5}/{spec.TotalSteps:D5} ({100.0 * step / spec.TotalSteps:F1}%) | loss {loss:F4} | " +
                                  $"lr {lr:E2} | {tokPerS:F0} tok/s | eta {TimeSpan.FromSeconds(eta):mm\\:ss}");
                tokensAtLog = tokens;
                stepAtLog = step;
                sinceLog.Restart();
            }
            if (step % spec.CheckpointEvery == 0 || step == spec.TotalSteps)
                // Every rank calls it (a ZeRO-1 state is gathered from all); rank 0 writes.
                TrainingCheckpoint.Save(checkpointDir, model, optimizer, new CheckpointMeta
                {
                    Stage = spec.Stage, Step = step, Tokens = tokens, PolicyVersion = step, DataCursor = JsonSerializer.SerializeToNode(data.Cursor),
                }, collective);
        }
        return new StageOutcome(step, tokens, lastLoss, clock.Elapsed.TotalSeconds);
    }
}
