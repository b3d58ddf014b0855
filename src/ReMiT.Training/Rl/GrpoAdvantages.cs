namespace ReMiT.Training.Rl;

/// <summary>
/// Group-relative advantages: each prompt is sampled G times and every completion's reward is
/// compared with its own group's — no value network.
/// </summary>
public static class GrpoAdvantages
{
    /// <summary>Added to the std so a group of equal rewards gives 0, not 0/0 (DESIGN §1).</summary>
    public const double StdEpsilon = 1e-6;

    /// <summary>
    /// Advantages for <paramref name="rewards"/> laid out as consecutive groups of
    /// <paramref name="groupSize"/> completions of the same prompt.
    /// <para>
    /// The std is the unbiased sample std (divide by G − 1), torch.std's default, which TRL's and
    /// veRL's GRPO use. A group of one has no spread to compare against and gets advantage 0.
    /// </para>
    /// </summary>
    public static double[] Compute(ReadOnlySpan<double> rewards, int groupSize, AdvantageMode mode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groupSize, 1);
        if (rewards.Length % groupSize != 0)
            throw new ArgumentException($"rewards has {rewards.Length} entries, not a multiple of groupSize {groupSize}; pass whole groups.", nameof(rewards));
        for (int i = 0; i < rewards.Length; i++)
            if (!double.IsFinite(rewards[i]))
                throw new ArgumentException($"rewards[{i}] is {rewards[i]}; rewards must be finite.", nameof(rewards));

        var advantages = new double[rewards.Length];
        for (int start = 0; start < rewards.Length; start += groupSize)
        {
            var group = rewards.Slice(start, groupSize);
            double mean = 0;
            foreach (double r in group) mean += r;
            mean /= groupSize;

            double scale = 1.0;
            if (mode == AdvantageMode.Grpo)
            {
                double squares = 0;
                foreach (double r in group) squares += (r - mean) * (r - mean);
                double std = groupSize > 1 ? Math.Sqrt(squares / (groupSize - 1)) : 0.0;
                scale = 1.0 / (std + StdEpsilon);
            }
            else if (mode != AdvantageMode.DrGrpo)
            {
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown advantage mode.");
            }

            for (int i = 0; i < groupSize; i++)
                advantages[start + i] = (group[i] - mean) * scale;
        }
        return advantages;
    }
}
