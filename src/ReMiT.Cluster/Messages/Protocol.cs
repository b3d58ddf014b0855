using MessagePack;

namespace ReMiT.Cluster.Messages;

// Every message that crosses a node boundary, in one place: immutable records with explicit
// MessagePack keys (never reorder or reuse a key; add new ones at the end). Work is pulled:
// a worker asks the coordinator for n items (RequestWork), gets leases back, and answers each
// lease with a result carrying the same WorkId, which the coordinator deduplicates. Payloads stay
// small by design: prompts and batches are named by (stage, step, unit) and rebuilt from the
// run's config on each node; weights never travel here (only their version number).

/// <summary>Marker for messages the ReMiT serializer handles (bound in HOCON).</summary>
public interface IRemitMessage;

/// <summary>What a worker can do; the coordinator hands out leases of one kind per request.</summary>
public static class WorkKinds
{
    public const string Rollout = "rollout";
    public const string Verify = "verify";
    public const string Guide = "guide";
    public const string Eval = "eval";
}

// ---------------------------------------------------------------- membership

/// <summary>A worker introduces itself to the coordinator (sent on start and whenever the singleton moves).</summary>
[MessagePackObject]
public sealed record RegisterWorker(
    [property: Key(0)] string Role, [property: Key(1)] int Rank, [property: Key(2)] int Size,
    [property: Key(3)] int Pid, [property: Key(4)] string Host, [property: Key(5)] int MetricsPort) : IRemitMessage;

/// <summary>The coordinator's answer: the run the worker now serves and the latest published weights version.</summary>
[MessagePackObject]
public sealed record WorkerRegistered(
    [property: Key(0)] string RunDirectory, [property: Key(1)] int WeightsVersion) : IRemitMessage;

/// <summary>The run finished (or failed): workers stop. <paramref name="Error"/> is null on success.</summary>
[MessagePackObject]
public sealed record RunFinished([property: Key(0)] string? Error) : IRemitMessage;

// ---------------------------------------------------------------- work pulling

/// <summary>A worker has room for <paramref name="Count"/> more items of <paramref name="Kind"/>.</summary>
[MessagePackObject]
public sealed record RequestWork([property: Key(0)] string Kind, [property: Key(1)] int Count) : IRemitMessage;

/// <summary>
/// Generate G completions for prompts [FirstPrompt, FirstPrompt + PromptCount) of an RL step with
/// weights version ≥ <paramref name="WeightsVersion"/>. The prompts are a pure function of the
/// run's config, the stage and the step, so only their coordinates travel.
/// </summary>
[MessagePackObject]
public sealed record RolloutWork(
    [property: Key(0)] long WorkId, [property: Key(1)] string Stage, [property: Key(2)] int Step,
    [property: Key(3)] int FirstPrompt, [property: Key(4)] int PromptCount, [property: Key(5)] int WeightsVersion,
    [property: Key(6)] long Seed) : IRemitMessage;

/// <summary>One completion with everything the verifier and the learner need.</summary>
/// <param name="Prompt">Index of its prompt within the step.</param>
/// <param name="PolicyVersion">Weights version that generated it (behaviour policy).</param>
[MessagePackObject]
public sealed record RolloutRecord(
    [property: Key(0)] int Prompt, [property: Key(1)] int[] PromptIds, [property: Key(2)] int[] CompletionIds,
    [property: Key(3)] float[] BehaviourLogProbs, [property: Key(4)] int PolicyVersion, [property: Key(5)] bool Stopped,
    [property: Key(6)] double Reward, [property: Key(7)] bool Correct);

/// <summary>A rollout worker's answer to a <see cref="RolloutWork"/> lease.</summary>
[MessagePackObject]
public sealed record RolloutsDone(
    [property: Key(0)] long WorkId, [property: Key(1)] string Stage, [property: Key(2)] int Step,
    [property: Key(3)] RolloutRecord[] Rollouts) : IRemitMessage;

/// <summary>Score these rollouts (CPU only).</summary>
[MessagePackObject]
public sealed record VerifyWork(
    [property: Key(0)] long WorkId, [property: Key(1)] string Stage, [property: Key(2)] int Step,
    [property: Key(3)] RolloutRecord[] Rollouts) : IRemitMessage;

/// <summary>The verifier's answer: the same rollouts with Reward and Correct filled in.</summary>
[MessagePackObject]
public sealed record RolloutsVerified(
    [property: Key(0)] long WorkId, [property: Key(1)] string Stage, [property: Key(2)] int Step,
    [property: Key(3)] RolloutRecord[] Rollouts) : IRemitMessage;

/// <summary>
/// Score a (Rows × Cols) token batch with the frozen guide: the learner ships the batch's ids, the
/// guide answers with the target tokens' log-probs. Learners submit these ahead of their step
/// (bounded prefetch), so they never wait for the guide in steady state.
/// </summary>
[MessagePackObject]
public sealed record GuideWork(
    [property: Key(0)] long WorkId, [property: Key(1)] string Stage, [property: Key(2)] string GuideModel,
    [property: Key(3)] int Rows, [property: Key(4)] int Cols, [property: Key(5)] int[] Inputs, [property: Key(6)] int[] Targets) : IRemitMessage;

/// <summary>The guide's answer: log p_guide(target) per position, row-major (Rows × Cols).</summary>
[MessagePackObject]
public sealed record GuideScored([property: Key(0)] long WorkId, [property: Key(1)] float[] TargetLogProbs) : IRemitMessage;

/// <summary>Evaluate a trained model (greedy pass@1 and sampled pass@k per op and split).</summary>
[MessagePackObject]
public sealed record EvalWork([property: Key(0)] long WorkId, [property: Key(1)] string Model) : IRemitMessage;

/// <summary>The evaluator's answer: results.json rows as JSON (the report's own format).</summary>
[MessagePackObject]
public sealed record EvalDone([property: Key(0)] long WorkId, [property: Key(1)] string Model, [property: Key(2)] string RowsJson) : IRemitMessage;

// ---------------------------------------------------------------- learners

/// <summary>
/// Run one training stage on every learner rank. Token stages (pretrain, midtrain) read their data
/// from the config; RL stages consume <see cref="RlStepBatch"/>es.
/// </summary>
[MessagePackObject]
public sealed record RunStage(
    [property: Key(0)] string Stage, [property: Key(1)] string Kind, [property: Key(2)] string From,
    [property: Key(3)] string To, [property: Key(4)] string Weighting, [property: Key(5)] string? Guide) : IRemitMessage;

/// <summary>The learner asks for the verified rollouts of an RL step (it pulls steps in order).</summary>
[MessagePackObject]
public sealed record RequestRlStep([property: Key(0)] string Stage, [property: Key(1)] int Step) : IRemitMessage;

/// <summary>All verified rollouts of one RL step, in prompt order (sent to every learner rank).</summary>
[MessagePackObject]
public sealed record RlStepBatch(
    [property: Key(0)] string Stage, [property: Key(1)] int Step, [property: Key(2)] RolloutRecord[] Rollouts) : IRemitMessage;

/// <summary>Learner rank 0 wrote <c>weights/v{Version:000000}</c> (HF layout + SHA-256 manifest).</summary>
[MessagePackObject]
public sealed record WeightsPublished(
    [property: Key(0)] int Version, [property: Key(1)] string Stage, [property: Key(2)] int Step) : IRemitMessage;

/// <summary>Learner rank 0 finished a stage; the model is in <c>models/To</c> and the summary in <c>stages/</c>.</summary>
[MessagePackObject]
public sealed record StageCompleted([property: Key(0)] string Stage) : IRemitMessage;

/// <summary>A stage failed on a worker; the coordinator stops the run with this error.</summary>
[MessagePackObject]
public sealed record StageFailed([property: Key(0)] string Stage, [property: Key(1)] string Error) : IRemitMessage;

/// <summary>
/// Learner rank 0 logged a step of a token stage (pre-training, mid-training, SFT), sent from the training thread
/// itself: while the learners train, the coordinator has no work outstanding, and this is what its stall watchdog
/// waits for, so a learner that hangs inside a stage stops the run instead of holding it forever.
/// </summary>
[MessagePackObject]
public sealed record StageProgress([property: Key(0)] string Stage, [property: Key(1)] long Step) : IRemitMessage;

// ---------------------------------------------------------------- transport

/// <summary>
/// One piece of a message too big for one remote frame (see <c>Serialization/Chunker.cs</c>):
/// <paramref name="Bytes"/> is slice <paramref name="Index"/> of <paramref name="Count"/> of the
/// serialized message whose manifest is <paramref name="Manifest"/>; all pieces share <paramref name="StreamId"/>.
/// </summary>
[MessagePackObject]
public sealed record MessageChunk(
    [property: Key(0)] long StreamId, [property: Key(1)] int Index, [property: Key(2)] int Count,
    [property: Key(3)] string Manifest, [property: Key(4)] byte[] Bytes) : IRemitMessage;

// ---------------------------------------------------------------- failures

/// <summary>
/// A worker could not do a lease (e.g. a weights version failed its SHA-256 check). The coordinator
/// hands it out again, and stops the run with <paramref name="Error"/> when the same work keeps failing.
/// </summary>
[MessagePackObject]
public sealed record WorkFailed([property: Key(0)] long WorkId, [property: Key(1)] string Kind, [property: Key(2)] string Error) : IRemitMessage;
