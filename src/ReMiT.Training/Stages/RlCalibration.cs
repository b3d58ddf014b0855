using System.Text.Json;
using ReMiT.Model;
using ReMiT.Tasks.Gsm;
using ReMiT.Training.Data;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Reporting;
using ReMiT.Training.Rl;

namespace ReMiT.Training.Stages;

/// <summary>
/// <c>rl.ops: "auto"</c>: an RL stage's starting model, measured before the stage trains. Sampled pass@1
/// (at the RL temperature, with the rollout and verifier code RL itself uses) on a calibration set of
/// each candidate op, then <see cref="CompetenceBand"/> picks the ops. Written to
/// <c>RUN/calibration/&lt;stage&gt;.json</c>, which every node reads to rebuild the stage's prompts
/// (<see cref="RlPrompts.ForStage"/>) and the report shows.
/// </summary>
/// <param name="Stage">The RL stage, e.g. <c>rl:base</c>.</param>
/// <param name="Model">The measured starting model (models/NAME).</param>
/// <param name="CandidateOps">rl.auto_ops.</param>
/// <param name="Band">rl.auto_band: [low, high].</param>
/// <param name="Profile">Sampled pass@1 per candidate op, ascending op.</param>
/// <param name="ChosenOps">The ops the stage trains on (rl.ops syntax).</param>
/// <param name="InBand">False when no op was in the band and the nearest was taken.</param>
/// <param name="Note">The choice in words.</param>
public sealed record RlCalibration(
    string Stage, string Model, string CandidateOps, IReadOnlyList<double> Band, double Temperature, long Seed,
    IReadOnlyList<OpCompetence> Profile, string ChosenOps, bool InBand, string Note)
{
    public const string Folder = "calibration";

    /// <summary>Mixed into the run seed: calibration problems have their own stream, apart from RL's and evaluation's.</summary>
    private const ulong SeedStream = 0xCA11_B8A7_E0F5ul;

    public static string PathFor(string runDirectory, string stage) =>
        Path.Combine(runDirectory, Folder, stage.Replace(':', '_') + ".json");

    /// <summary>Reads a stage's calibration; null when it was not measured yet.</summary>
    public static RlCalibration? TryRead(string runDirectory, string stage)
    {
        string path = PathFor(runDirectory, stage);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<RlCalibration>(File.ReadAllText(path), RunJson.Indented)
                   ?? throw new InvalidDataException($"{path} is empty; delete it to measure the stage again.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a calibration file ({e.Message}); delete it to measure the stage again.", e);
        }
    }

    /// <summary>All calibrations of a run, by stage name (for the report).</summary>
    public static IReadOnlyList<RlCalibration> ReadAll(string runDirectory)
    {
        string folder = Path.Combine(runDirectory, Folder);
        if (!Directory.Exists(folder)) return [];
        return Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal)
            .Select(f => JsonSerializer.Deserialize<RlCalibration>(File.ReadAllText(f), RunJson.Indented))
            .OfType<RlCalibration>().ToArray();
    }

    public string Save(string runDirectory)
    {
        string path = PathFor(runDirectory, Stage);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, RunJson.Indented) + "\n");
        return path;
    }

    /// <summary>
    /// The calibration problems: rl.calibration_per_op per candidate op, in RL's templates and modes, from
    /// their own seed stream, with every problem <paramref name="isHeldOut"/> names (held-out evaluation
    /// problems) left out.
    /// </summary>
    /// <param name="isHeldOut">Problem text → whether evaluation holds it out; null: nothing is (the run wires its eval set in here).</param>
    public static IReadOnlyList<EvalItem> Problems(RlSection cfg, ulong runSeed, int op, Func<string, bool>? isHeldOut = null)
    {
        ArgumentNullException.ThrowIfNull(cfg);
        isHeldOut ??= _ => false;
        var templates = cfg.Templates.Select(GsmTemplate.Parse).ToArray();
        var modes = cfg.Modes.Select(GsmModes.Parse).ToArray();
        ulong seed = ReMiT.Tasks.SplitMix64.Derive(runSeed ^ SeedStream, (ulong)op);
        // Twice as many candidates as needed, so held-out problems can be skipped.
        var candidates = EvalSet.Gsm(new GsmOpRange(op, op), cfg.CalibrationPerOp * 2, seed, templates, modes).Items;
        var kept = candidates.Where(i => !isHeldOut(i.Prompt)).Take(cfg.CalibrationPerOp).ToArray();
        if (kept.Length < cfg.CalibrationPerOp)
            throw new InvalidOperationException($"op {op}: only {kept.Length} calibration problems are not held out for evaluation; lower rl.calibration_per_op.");
        return kept;
    }

    /// <summary>Measures <paramref name="model"/> on every candidate op and picks the stage's ops.</summary>
    /// <param name="isHeldOut">Problem text → held out; null: the run's dev and test eval problems (<see cref="RunContext.HeldOutProblemIds"/>).</param>
    public static RlCalibration Measure(string stage, string modelName, DecoderModel model, RunContext run, TextWriter log,
                                        Func<string, bool>? isHeldOut = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        isHeldOut ??= text => run.HeldOutProblemIds.Contains(ReMiT.Tasks.ProblemId.Of(text));
        var cfg = run.Config.Rl;
        var candidates = GsmOpRange.Parse(cfg.AutoOps);
        var generator = new RolloutGenerator(run.Tokenizer, cfg.MaxNewTokens, cfg.Temperature, cfg.CalibrationSamples);
        long seed = unchecked((long)ReMiT.Tasks.SplitMix64.Derive(run.Seed ^ SeedStream, 0xFFFF));
        var profile = new List<OpCompetence>();
        for (int op = candidates.Min; op <= candidates.Max; op++)
        {
            var items = Problems(cfg, run.Seed, op, isHeldOut);
            var scored = RewardVerifier.Score(generator.Generate(model, items, 0, seed + op), items, generator);
            double passAt1 = scored.Average(r => r.Correct ? 1.0 : 0.0); // equal samples per problem: = mean of per-problem shares
            profile.Add(new OpCompetence(op, passAt1, items.Count, cfg.CalibrationSamples));
            log.WriteLine($"calibrate {stage}: op {op} sampled pass@1 {passAt1:F3} ({items.Count} problems × {cfg.CalibrationSamples} samples, T = {cfg.Temperature})");
        }
        var choice = CompetenceBand.Choose(profile, cfg.AutoBand[0], cfg.AutoBand[1]);
        log.WriteLine($"calibrate {stage}: rl.ops = {choice.Ops} — {choice.Note}");
        return new RlCalibration(stage, modelName, cfg.AutoOps, cfg.AutoBand, cfg.Temperature, unchecked((long)run.Seed),
                                 profile, choice.Ops, choice.InBand, choice.Note);
    }
}
