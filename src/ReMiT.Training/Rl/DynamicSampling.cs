namespace ReMiT.Training.Rl;

/// <summary>
/// DAPO's dynamic sampling (Yu et al. 2025): a group whose completions all got the same reward has
/// zero advantage everywhere, so it adds no gradient but dilutes the batch; drop it and sample more.
/// </summary>
public static class DynamicSampling
{
    /// <summary>False when every reward in the group is equal (including an empty or one-sample group).</summary>
    public static bool KeepGroup(ReadOnlySpan<double> groupRewards)
    {
        for (int i = 1; i < groupRewards.Length; i++)
            if (groupRewards[i] != groupRewards[0])
                return true;
        return false;
    }
}
