using ReMiT.Training.Data;
using ReMiT.Training.Stages;

namespace ReMiT.Training.Flywheel;

/// <summary>
/// Supervised warm-up as a flywheel stage (kind sft): e.g. Knights &amp; Knaves backtracking traces before
/// RLVR, as in the Warm-up paper (arXiv 2505.13718). Same knobs as <c>remit sft</c>.
/// </summary>
public sealed record SftSection
{
    public CorpusMixture Corpus { get; init; } = new([new KkCorpusSource { People = "3-5" }]);
    public int Documents { get; init; } = 100;
    public int Steps { get; init; } = 100;
    public int BatchSize { get; init; } = 8;
    public int SeqLen { get; init; } = 1024;
    public double Lr { get; init; } = 1e-3;
    public int WarmupSteps { get; init; } = 10;
    public double ClipNorm { get; init; } = 1.0;
    public int CheckpointEvery { get; init; } = 50;
    public int LogEvery { get; init; } = 10;

    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        e.AddRange(Corpus.Validate().Select(x => "corpus." + x));
        if (Documents < 1) e.Add($"documents must be >= 1, got {Documents}.");
        if (Steps < 1) e.Add($"steps must be >= 1, got {Steps}.");
        if (BatchSize < 1) e.Add($"batch_size must be >= 1, got {BatchSize}.");
        if (SeqLen < 8) e.Add($"seq_len must be >= 8, got {SeqLen}.");
        if (!(Lr > 0)) e.Add($"lr must be > 0, got {Lr}.");
        if (WarmupSteps < 0) e.Add($"warmup_steps must be >= 0, got {WarmupSteps}.");
        if (CheckpointEvery < 1) e.Add($"checkpoint_every must be >= 1, got {CheckpointEvery}.");
        if (LogEvery < 1) e.Add($"log_every must be >= 1, got {LogEvery}.");
        return e;
    }

    public SftOptions Options() => new(Corpus, Documents, Steps, BatchSize, SeqLen, Lr, WarmupSteps, ClipNorm, CheckpointEvery, LogEvery);
}
