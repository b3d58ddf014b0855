namespace ReMiT.Training.Rl;

/// <summary>The starting model's measured sampled pass@1 on one GSM op.</summary>
/// <param name="Op">Operation count of the problems.</param>
/// <param name="PassAt1">Mean over problems of the share of correct samples.</param>
/// <param name="Problems">Problems measured.</param>
/// <param name="Samples">Samples per problem.</param>
public sealed record OpCompetence(int Op, double PassAt1, int Problems, int Samples);

/// <summary>The ops RL trains on, as a contiguous range, and why.</summary>
/// <param name="InBand">False when no op's pass@1 lay in the band and the nearest op was taken instead.</param>
public sealed record CompetenceChoice(int MinOp, int MaxOp, bool InBand, string Note)
{
    /// <summary>As rl.ops writes it ("3-4", or "3" for one op).</summary>
    public string Ops => MinOp == MaxOp ? $"{MinOp}" : $"{MinOp}-{MaxOp}";
}

/// <summary>
/// Picks RL's difficulty from measured competence: the ops whose sampled pass@1 lies in [low, high],
/// Interplay's "edge of competence" (default 0.05–0.5): hard enough that groups disagree, easy enough
/// that some samples are rewarded. Prompts come from a contiguous op range, so when the qualifying ops
/// are not contiguous the longest run of them is taken (the lower one on a tie). When none qualifies, the
/// op nearest the band is taken and the note says so.
/// </summary>
public static class CompetenceBand
{
    public static CompetenceChoice Choose(IReadOnlyList<OpCompetence> profile, double low, double high)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (profile.Count == 0) throw new ArgumentException("no ops were measured; rl.auto_ops must name at least one op.", nameof(profile));
        if (!(low >= 0 && low <= high && high <= 1))
            throw new ArgumentOutOfRangeException(nameof(low), $"the band must satisfy 0 ≤ low ≤ high ≤ 1, got [{low}, {high}]; fix rl.auto_band.");
        var byOp = profile.OrderBy(p => p.Op).ToArray();
        bool Inside(OpCompetence p) => p.PassAt1 >= low && p.PassAt1 <= high;

        (int Start, int Length) best = (-1, 0);
        for (int i = 0; i < byOp.Length;)
        {
            if (!Inside(byOp[i])) { i++; continue; }
            int j = i;
            while (j + 1 < byOp.Length && Inside(byOp[j + 1]) && byOp[j + 1].Op == byOp[j].Op + 1) j++;
            if (j - i + 1 > best.Length) best = (i, j - i + 1);
            i = j + 1;
        }
        string band = $"[{low:0.###}, {high:0.###}]";
        if (best.Length > 0)
        {
            var (min, max) = (byOp[best.Start].Op, byOp[best.Start + best.Length - 1].Op);
            int inBand = byOp.Count(Inside);
            string note = inBand > best.Length
                ? $"ops {min}–{max} have sampled pass@1 in {band}; other in-band ops are not contiguous with them and are left out"
                : $"ops {min}–{max} have sampled pass@1 in {band}";
            return new CompetenceChoice(min, max, true, note);
        }
        double Distance(OpCompetence p) => p.PassAt1 < low ? low - p.PassAt1 : p.PassAt1 - high;
        var nearest = byOp.OrderBy(Distance).ThenBy(p => p.Op).First();
        return new CompetenceChoice(nearest.Op, nearest.Op, false,
            $"no op has sampled pass@1 in {band}; op {nearest.Op} ({nearest.PassAt1:0.###}) is the nearest and is used instead");
    }
}
