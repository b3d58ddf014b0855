namespace ReMiT.Training.Schedules;

/// <summary>Which part of a warmup–stable–decay schedule a step falls in.</summary>
public enum SchedulePhase { Warmup, Stable, Decay, Done }

/// <summary>How the learning rate falls during the decay phase.</summary>
public enum DecayShape
{
    /// <summary>Straight line from the peak to the final rate.</summary>
    Linear,
    /// <summary>1 − sqrt(progress), the shape Hägele et al. (2024) found to match cosine at the end of training.</summary>
    OneMinusSqrt,
    /// <summary>Half a cosine period.</summary>
    Cosine,
}

/// <summary>
/// Warmup–stable–decay learning-rate schedule. ReMiT's mid-training *is* the decay (annealing)
/// phase: pre-training stops at <see cref="DecayStart"/>, and every mid-training variant restarts
/// from that checkpoint and runs the decay with its own token weighting.
/// </summary>
/// <param name="PeakLr">Learning rate during the stable phase.</param>
/// <param name="WarmupSteps">Steps of linear warmup from 0 (exclusive) to the peak.</param>
/// <param name="StableSteps">Steps at the peak rate.</param>
/// <param name="DecaySteps">Steps from the peak down to <c>PeakLr * FinalRatio</c>.</param>
/// <param name="FinalRatio">Final rate as a fraction of the peak, in [0, 1].</param>
/// <param name="Shape">Decay curve.</param>
public sealed record WarmupStableDecay(
    double PeakLr, int WarmupSteps, int StableSteps, int DecaySteps,
    double FinalRatio = 0.0, DecayShape Shape = DecayShape.Linear)
{
    /// <summary>First step of the decay phase (the pre-decay checkpoint is taken here).</summary>
    public int DecayStart => WarmupSteps + StableSteps;

    /// <summary>Total number of optimizer steps.</summary>
    public int TotalSteps => DecayStart + DecaySteps;

    /// <summary>Lists every problem with the parameters (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(PeakLr > 0) || double.IsInfinity(PeakLr)) errors.Add($"PeakLr must be a positive finite number, got {PeakLr}.");
        if (WarmupSteps < 0) errors.Add($"WarmupSteps must be >= 0, got {WarmupSteps}.");
        if (StableSteps < 0) errors.Add($"StableSteps must be >= 0, got {StableSteps}.");
        if (DecaySteps < 0) errors.Add($"DecaySteps must be >= 0, got {DecaySteps}.");
        if (!(FinalRatio >= 0 && FinalRatio <= 1)) errors.Add($"FinalRatio must be in [0, 1], got {FinalRatio}.");
        return errors;
    }

    /// <summary>Phase of optimizer step <paramref name="step"/> (0-based).</summary>
    public SchedulePhase PhaseAt(int step) =>
        step < WarmupSteps ? SchedulePhase.Warmup :
        step < DecayStart ? SchedulePhase.Stable :
        step < TotalSteps ? SchedulePhase.Decay : SchedulePhase.Done;

    /// <summary>Learning rate for optimizer step <paramref name="step"/> (0-based).</summary>
    public double LearningRate(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        double final = PeakLr * FinalRatio;
        switch (PhaseAt(step))
        {
            case SchedulePhase.Warmup:
                return PeakLr * (step + 1) / WarmupSteps; // never 0: a zero-LR first step wastes a batch
            case SchedulePhase.Stable:
                return PeakLr;
            case SchedulePhase.Decay:
                // progress reaches 1 on the last step, so the run ends at exactly the final rate
                double progress = DecaySteps == 1 ? 1.0 : (double)(step - DecayStart) / (DecaySteps - 1);
                double factor = Shape switch
                {
                    DecayShape.Linear => 1.0 - progress,
                    DecayShape.OneMinusSqrt => 1.0 - Math.Sqrt(progress),
                    DecayShape.Cosine => 0.5 * (1.0 + Math.Cos(Math.PI * progress)),
                    _ => throw new InvalidOperationException($"Unknown decay shape {Shape}."),
                };
                return final + (PeakLr - final) * factor;
            default:
                return final;
        }
    }
}
