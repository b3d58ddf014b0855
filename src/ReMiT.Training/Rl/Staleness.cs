namespace ReMiT.Training.Rl;

/// <summary>
/// Off-policy bound for asynchronous RL: every rollout carries the policy version that generated
/// it, and the learner only trains on rollouts at most <c>maxStaleness</c> versions old (the
/// behaviour log-probs then importance-correct the rest, see <see cref="GrpoLoss"/>).
/// </summary>
public static class Staleness
{
    /// <summary>How many policy versions the rollout lags behind: current − rollout (negative if from the future).</summary>
    public static long Of(long rolloutPolicyVersion, long currentVersion) => currentVersion - rolloutPolicyVersion;

    /// <summary>
    /// True when 0 ≤ staleness ≤ <paramref name="maxStaleness"/>. A rollout from a version newer than
    /// the learner's (e.g. after the learner resumed from an older checkpoint) is rejected: its
    /// behaviour log-probs come from weights this learner never had.
    /// </summary>
    public static bool Accept(long rolloutPolicyVersion, long currentVersion, int maxStaleness)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxStaleness);
        long staleness = Of(rolloutPolicyVersion, currentVersion);
        return staleness >= 0 && staleness <= maxStaleness;
    }
}
