using ReMiT.Tasks;
using ReMiT.Tasks.Gsm;
using ReMiT.Training.Data;

namespace ReMiT.Training.Flywheel;

/// <summary>
/// The run's two eval sets, fixed before any training data exists as a pure function of the config
/// and seed: <see cref="Test"/> (reported numbers) and <see cref="Dev"/> (tuning presets, and where the
/// guessing baseline is fit), disjoint by problem id. Every training-data generator skips
/// <see cref="HeldOutIds"/>, so no eval problem is ever trained on.
/// </summary>
public sealed class EvalSplits
{
    // Separates the eval seed streams from every training stream derived from the same run seed.
    private const ulong Domain = 0x4556414C_53504C54UL; // "EVALSPLT"

    private EvalSplits(IReadOnlyList<EvalProblem> dev, IReadOnlyList<EvalProblem> test, string reported)
    {
        Dev = dev;
        Test = test;
        ReportedSplit = reported;
        HeldOutIds = dev.Concat(test).Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlyList<EvalProblem> Dev { get; }
    public IReadOnlyList<EvalProblem> Test { get; }

    /// <summary>eval.split: "test" or "dev".</summary>
    public string ReportedSplit { get; }

    /// <summary>The problems evaluated and reported (eval.split's set).</summary>
    public IReadOnlyList<EvalProblem> Reported => ReportedSplit == "dev" ? Dev : Test;

    /// <summary>Ids of every dev and test problem: nothing trained on may have one of them.</summary>
    public IReadOnlySet<string> HeldOutIds { get; }

    /// <summary>The seed of one eval set ("dev" or "test") of a run.</summary>
    public static ulong SeedOf(ulong runSeed, string split) => SplitMix64.Derive(runSeed ^ Domain, split == "dev" ? 2UL : 1UL);

    /// <summary>eval.modes, or (when empty) the modes of pre-training's GSM sources in order of first use.</summary>
    public static IReadOnlyList<string> Modes(FlywheelConfig config) =>
        config.Eval.Modes.Count > 0 ? config.Eval.Modes : AsPretraining(config, g => g.Modes, m => GsmModes.Parse(m).ToString().ToLowerInvariant(), new GsmCorpusSource().Modes);

    /// <summary>eval.templates, or (when empty) the templates of pre-training's GSM sources in order of first use.</summary>
    public static IReadOnlyList<string> Templates(FlywheelConfig config) =>
        config.Eval.Templates.Count > 0 ? config.Eval.Templates : AsPretraining(config, g => g.Templates, t => GsmTemplate.Parse(t).Key, new GsmCorpusSource().Templates);

    /// <summary>"id", "edge" or "hard": the first eval range holding <paramref name="difficulty"/>; "other" when none does.</summary>
    public static string SplitOf(EvalSection e, int difficulty) =>
        GsmOpRange.Parse(e.IdOps).Contains(difficulty) ? "id"
        : GsmOpRange.Parse(e.EdgeOps).Contains(difficulty) ? "edge"
        : GsmOpRange.Parse(e.HardOps).Contains(difficulty) ? "hard" : "other";

    /// <summary>Generates both sets: test first, then dev without any test problem; the baseline is fit on dev.</summary>
    public static EvalSplits Build(FlywheelConfig config, ulong runSeed)
    {
        ArgumentNullException.ThrowIfNull(config);
        var e = config.Eval;
        var testItems = Items(config, SeedOf(runSeed, "test"), exclude: null);
        var testIds = testItems.Select(i => ProblemId.Of(i.Prompt)).ToHashSet(StringComparer.Ordinal);
        var devItems = Items(config, SeedOf(runSeed, "dev"), testIds);
        var guesses = devItems.GroupBy(i => (i.Difficulty, Mode(i)))
            .ToDictionary(g => g.Key, g => g.GroupBy(i => i.Answer, StringComparer.Ordinal)
                .OrderByDescending(a => a.Count()).ThenBy(a => a.Key, StringComparer.Ordinal).First().Key);
        IReadOnlyList<EvalProblem> Problems(IReadOnlyList<EvalItem> items, string split) => items.Select(i => new EvalProblem(
            i, ProblemId.Of(i.Prompt), SplitOf(e, i.Difficulty), split, Mode(i), Template(i),
            guesses.GetValueOrDefault((i.Difficulty, Mode(i)), ""))).ToArray();
        return new EvalSplits(Problems(devItems, "dev"), Problems(testItems, "test"), e.Split);
    }

    private static IReadOnlyList<EvalItem> Items(FlywheelConfig config, ulong seed, IReadOnlySet<string>? exclude)
    {
        var e = config.Eval;
        if (e.Task == "kk")
        {
            KkCorpusSource.TryParsePeople(e.People, out int min, out int max, out _);
            return EvalSet.Kk(min, max, e.PerOp, seed, excludeIds: exclude).Items;
        }
        return EvalSet.Gsm(GsmOpRange.Parse(e.Ops), e.PerOp, seed, Templates(config).Select(GsmTemplate.Parse).ToArray(),
                           Modes(config).Select(GsmModes.Parse).ToArray(), exclude).Items;
    }

    private static string Mode(EvalItem item) => item is GsmEvalItem g ? g.Problem.Mode.ToString().ToLowerInvariant() : "";

    private static string Template(EvalItem item) => item is GsmEvalItem g ? g.Problem.Template.Key : "";

    private static IReadOnlyList<string> AsPretraining(FlywheelConfig config, Func<GsmCorpusSource, IReadOnlyList<string>> pick,
                                                       Func<string, string> canonical, IReadOnlyList<string> fallback)
    {
        var used = config.Pretrain.Corpus.Sources.OfType<GsmCorpusSource>().SelectMany(pick)
            .Select(canonical).Distinct().ToArray();
        return used.Length > 0 ? used : fallback;
    }
}
