namespace ReMiT.Tasks.Gsm;

/// <summary>
/// GSM-Infinite-style problem generator: a DAG of quantities with an exact operation count,
/// told in a template's context, forward or reverse. Deterministic for a seed on any .NET version.
/// </summary>
public sealed class GsmGenerator
{
    private readonly GsmGeneratorOptions _options;

    public GsmGenerator(GsmGeneratorOptions? options = null)
    {
        _options = options ?? new GsmGeneratorOptions();
        _options.Validate();
    }

    /// <summary>One problem with exactly <paramref name="op"/> operations (op ≥ 2).</summary>
    public GsmProblem Generate(int op, GsmTemplate template, GsmMode mode, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentOutOfRangeException.ThrowIfLessThan(op, 2);
        // Mix the context and mode in, so one seed does not tell the same story in every context.
        var rng = new SplitMix64(SplitMix64.Derive(seed, Fnv1a(template.Key) ^ (ulong)mode));
        var built = new ProblemBuilder(_options, template, rng).Build(op, mode);
        return new ProblemWriter(template, rng).Write(built, op, mode);
    }

    private static ulong Fnv1a(string text)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (char c in text) h = (h ^ c) * 0x100000001B3UL;
        return h;
    }

    /// <summary>
    /// <paramref name="count"/> problems cycling deterministically through the ops of
    /// <paramref name="ops"/>, then the templates (default: all), then the modes (default: both);
    /// problem i uses a seed derived from (<paramref name="seed"/>, i).
    /// </summary>
    public IEnumerable<GsmProblem> Generate(GsmOpRange ops, int count, ulong seed,
        IReadOnlyList<GsmTemplate>? templates = null, IReadOnlyList<GsmMode>? modes = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(ops.Min, 2, nameof(ops));
        templates ??= GsmTemplate.All;
        modes ??= GsmModes.All;
        if (templates.Count == 0) throw new ArgumentException("at least one template is required", nameof(templates));
        if (modes.Count == 0) throw new ArgumentException("at least one mode is required", nameof(modes));
        return Iterate();

        IEnumerable<GsmProblem> Iterate()
        {
            for (int i = 0; i < count; i++)
            {
                int op = ops.Min + i % ops.Count;
                var template = templates[i / ops.Count % templates.Count];
                var mode = modes[i / (ops.Count * templates.Count) % modes.Count];
                yield return Generate(op, template, mode, SplitMix64.Derive(seed, (ulong)i));
            }
        }
    }
}
