using ReMiT.Training.Reporting;
using static TorchSharp.torch;

namespace ReMiT.Training.Stages;

/// <summary>What every stage gets from its driver: where to write, which device, where metrics and progress go.</summary>
/// <param name="RunDirectory">The run's root folder (models, checkpoints, metrics.jsonl, stages/).</param>
/// <param name="Device">Where tensors live; CPU and CUDA run the same code.</param>
/// <param name="Metrics">The run's metric series (one JSON line per value).</param>
/// <param name="Log">Progress and per-step lines (console, or a pod log).</param>
/// <param name="Cancellation">Set on Ctrl-C: stages checkpoint and stop at the next step boundary.</param>
public sealed record StageContext(
    string RunDirectory,
    Device Device,
    MetricsLog Metrics,
    TextWriter Log,
    CancellationToken Cancellation)
{
    /// <summary>Absolute path of a file or folder inside the run.</summary>
    public string PathOf(params string[] parts) => Path.Combine([RunDirectory, .. parts]);
}
