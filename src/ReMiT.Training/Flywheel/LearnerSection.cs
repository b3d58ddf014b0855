namespace ReMiT.Training.Flywheel;

/// <summary>
/// How the data-parallel learner ranks (mpirun) hold the optimizer; key <c>learner</c>. It changes the memory
/// per rank and the collectives, never the steps taken (ZeRO-1 equals plain data parallelism, tested).
/// </summary>
public sealed record LearnerSection
{
    /// <summary>
    /// ZeRO stage: 0 = every rank holds the float32 master weights and Adam moments of the whole model; 1 = each
    /// holds its 1/N shard, gradients are reduce-scattered and the updated parameters all-gathered
    /// (ReMiT.Training.Optim.FlatAdamW). With one rank both are the same.
    /// </summary>
    public int Zero { get; init; }

    public IReadOnlyList<string> Validate() =>
        Zero is 0 or 1 ? [] : [$"zero must be 0 (every rank holds the whole optimizer state) or 1 (ZeRO stage 1: each rank holds 1/N of it), got {Zero}."];
}
