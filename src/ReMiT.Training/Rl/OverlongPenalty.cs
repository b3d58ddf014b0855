namespace ReMiT.Training.Rl;

/// <summary>
/// DAPO's soft overlong punishment (Yu et al. 2025, eq. 13). With L_max = <c>maxLength</c> and
/// L_cache = <c>bufferLength</c>, a completion of length |y| is penalised
/// <list type="bullet">
/// <item>0 when |y| ≤ L_max − L_cache;</item>
/// <item>((L_max − L_cache) − |y|) / L_cache · factor when L_max − L_cache &lt; |y| ≤ L_max (linear to −factor);</item>
/// <item>−factor when |y| &gt; L_max.</item>
/// </list>
/// The ramp tells the policy that length is costly before truncation, instead of one cliff.
/// </summary>
public static class OverlongPenalty
{
    /// <summary>Returns <paramref name="reward"/> plus the length penalty.</summary>
    /// <param name="bufferLength">L_cache; 0 gives a hard cliff at <paramref name="maxLength"/>.</param>
    public static double Apply(double reward, int length, int maxLength, int bufferLength, double penaltyFactor = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(bufferLength);
        if (bufferLength > maxLength)
            throw new ArgumentOutOfRangeException(nameof(bufferLength), bufferLength, $"bufferLength must not exceed maxLength {maxLength}.");
        if (!(penaltyFactor >= 0) || double.IsInfinity(penaltyFactor))
            throw new ArgumentOutOfRangeException(nameof(penaltyFactor), penaltyFactor, "penaltyFactor must be a non-negative finite number.");

        int free = maxLength - bufferLength;
        double penalty =
            length <= free ? 0.0 :
            length <= maxLength ? (double)(free - length) / bufferLength * penaltyFactor :
            -penaltyFactor;
        return reward + penalty;
    }
}
