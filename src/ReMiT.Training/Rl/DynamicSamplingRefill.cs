namespace ReMiT.Training.Rl;

/// <summary>
/// DAPO's batch refill (Yu et al. 2025, §3.2): groups whose completions all got the same reward carry no
/// gradient, so after a step's prompts are scored more prompts are drawn, round by round, until the
/// step has <c>promptsPerStep</c> groups with mixed rewards or <c>maxRefillRounds</c> extra rounds were
/// drawn. Round r's prompts are numbered from r·promptsPerStep, so every drawn prompt keeps a fixed index.
/// Pure: the coordinator decides with it which prompts to draw next, and the learner which groups to train on,
/// so both agree without exchanging anything but the scored groups.
/// </summary>
public static class DynamicSamplingRefill
{
    /// <summary>
    /// How many prompts round <paramref name="roundsDrawn"/> (1 = the first refill) should draw: the
    /// shortfall of kept groups, rounded up to whole work items of <paramref name="promptsPerWork"/> and at
    /// most <paramref name="promptsPerStep"/>; 0 when the step is complete (enough kept, or no rounds left).
    /// </summary>
    /// <param name="keep">One flag per group drawn so far (every round), true when its rewards are not all equal.</param>
    /// <param name="roundsDrawn">Rounds drawn so far, the step's own prompts included (so ≥ 1).</param>
    public static int NextRoundPrompts(IReadOnlyList<bool> keep, int promptsPerStep, int roundsDrawn, int maxRefillRounds, int promptsPerWork)
    {
        ArgumentNullException.ThrowIfNull(keep);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(promptsPerStep);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(roundsDrawn);
        ArgumentOutOfRangeException.ThrowIfNegative(maxRefillRounds);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(promptsPerWork);
        int shortfall = promptsPerStep - keep.Count(k => k);
        if (shortfall <= 0 || roundsDrawn > maxRefillRounds) return 0;
        int wholeWork = (shortfall + promptsPerWork - 1) / promptsPerWork * promptsPerWork;
        return Math.Min(promptsPerStep, wholeWork);
    }

    /// <summary>Index of the first prompt of refill round <paramref name="round"/> (0 = the step's own prompts).</summary>
    public static int FirstPromptOfRound(int round, int promptsPerStep) => round * promptsPerStep;

    /// <summary>The round a prompt index belongs to (0 = the step's own prompts).</summary>
    public static int RoundOf(int prompt, int promptsPerStep) => prompt / promptsPerStep;

    /// <summary>The groups to train on: the first <paramref name="promptsPerStep"/> kept ones in prompt order (indices into <paramref name="keep"/>).</summary>
    public static IReadOnlyList<int> Select(IReadOnlyList<bool> keep, int promptsPerStep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        return Enumerable.Range(0, keep.Count).Where(i => keep[i]).Take(promptsPerStep).ToArray();
    }
}
