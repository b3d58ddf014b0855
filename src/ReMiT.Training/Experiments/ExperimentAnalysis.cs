using System.Text.Json;
using ReMiT.Training.Reporting;

namespace ReMiT.Training.Experiments;

/// <summary>
/// The statistics of <c>remit experiment</c>: reads each arm's per-problem eval file per seed, computes every
/// requested paired comparison (<see cref="PairedStatistics"/>), adjusts the p-values with Holm over the experiment,
/// and writes <c>DIR/experiment.json</c> and <c>DIR/report.md</c> (with error-bar plots under <c>DIR/plots/</c>).
/// Seeds are paired by seed number: a comparison uses the seeds both arms ran (others are named in the log);
/// problems are paired by problem id within a seed, and a problem missing on one side is an error.
/// </summary>
public static class ExperimentAnalysis
{
    /// <summary>Analyses the experiment in <paramref name="dir"/> and returns what experiment.json holds.</summary>
    /// <param name="dir">Experiment folder; every <see cref="SeedRun.Eval"/> is relative to it.</param>
    /// <param name="log">Receives one line per comparison and each seed left out.</param>
    public static ExperimentFile Run(string dir, IReadOnlyList<ArmRuns> arms, IReadOnlyList<ComparisonRequest> comparisons, TextWriter log)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dir);
        ArgumentNullException.ThrowIfNull(arms);
        ArgumentNullException.ThrowIfNull(comparisons);
        ArgumentNullException.ThrowIfNull(log);
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"experiment folder '{dir}' does not exist; pass the --out folder of `remit experiment run`");
        var byName = Validate(arms, comparisons);
        var records = new RecordCache(dir);

        var results = new List<ComparisonResult>();
        foreach (var request in comparisons)
        {
            var result = Compare(request, byName[request.A], byName[request.B], records, log);
            results.Add(result);
        }
        var holm = HolmBonferroni.Adjust(results.Select(r => r.PValue).ToList());
        results = results.Select((r, i) => r with { PHolm = holm[i] }).ToList();
        foreach (var r in results)
            log.WriteLine(ComparisonText.LogLine(r));

        var means = ArmMeans(byName, comparisons, records);
        var file = new ExperimentFile(arms, results);
        AtomicFile.WriteAllText(Path.Combine(dir, ExperimentFile.FileName), JsonSerializer.Serialize(file, RunJson.Indented) + "\n");
        ExperimentReport.Write(dir, file, means, log);
        return file;
    }

    /// <summary>
    /// Re-analyses an experiment from its own <c>DIR/experiment.json</c> (arms and comparison requests as written by
    /// <see cref="Run"/>), re-reading every eval file: what <c>remit experiment report DIR</c> needs.
    /// </summary>
    public static ExperimentFile Rerun(string dir, TextWriter log)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dir);
        string path = Path.Combine(dir, ExperimentFile.FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{path}' does not exist; run `remit experiment run --out {dir}` first (it writes experiment.json)", path);
        ExperimentFile? file;
        try { file = JsonSerializer.Deserialize<ExperimentFile>(File.ReadAllText(path), RunJson.Indented); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not a valid experiment.json ({e.Message}); delete it and re-run `remit experiment run`", e); }
        if (file?.Arms is null || file.Comparisons is null)
            throw new InvalidDataException($"{path}: 'arms' or 'comparisons' is missing; delete it and re-run `remit experiment run`");
        var requests = file.Comparisons.Select(c => new ComparisonRequest(c.A, c.B, c.Metric, c.Split, c.K, c.Primary)).ToList();
        return Run(dir, file.Arms, requests, log);
    }

    private static Dictionary<string, ArmRuns> Validate(IReadOnlyList<ArmRuns> arms, IReadOnlyList<ComparisonRequest> comparisons)
    {
        var problems = new List<string>();
        var byName = new Dictionary<string, ArmRuns>(StringComparer.Ordinal);
        foreach (var arm in arms)
        {
            if (string.IsNullOrWhiteSpace(arm.Name)) problems.Add("an arm has no name");
            else if (!byName.TryAdd(arm.Name, arm)) problems.Add($"arm '{arm.Name}' is declared twice");
            if (arm.Seeds.Count == 0) problems.Add($"arm '{arm.Name}' has no seeds");
            foreach (var dup in arm.Seeds.GroupBy(s => s.Seed).Where(g => g.Count() > 1))
                problems.Add($"arm '{arm.Name}' lists seed {dup.Key} {dup.Count()} times");
        }
        if (comparisons.Count == 0) problems.Add("no comparisons: declare at least one, exactly one of them primary");
        int primaries = comparisons.Count(c => c.Primary);
        if (comparisons.Count > 0 && primaries != 1) problems.Add($"exactly one comparison must be primary, found {primaries}");
        foreach (var c in comparisons)
        {
            string name = $"comparison {c.A} − {c.B} ({c.Metric.Name()}/{c.Split}, k={c.K})";
            if (!byName.ContainsKey(c.A)) problems.Add($"{name}: arm '{c.A}' is not declared (arms: {string.Join(", ", byName.Keys)})");
            if (!byName.ContainsKey(c.B)) problems.Add($"{name}: arm '{c.B}' is not declared (arms: {string.Join(", ", byName.Keys)})");
            if (c.A == c.B) problems.Add($"{name}: compares an arm with itself");
            if (!MetricValues.Splits.Contains(c.Split)) problems.Add($"{name}: split '{c.Split}' is unknown; use {string.Join(", ", MetricValues.Splits)}");
            if (c.K < 1) problems.Add($"{name}: k must be at least 1");
            if (c.Metric.IsGreedy() && c.K != 1) problems.Add($"{name}: a greedy metric has only k = 1; use a sampled metric for pass@{c.K}");
        }
        if (problems.Count > 0)
            throw new ArgumentException("experiment cannot be analysed:\n- " + string.Join("\n- ", problems));
        return byName;
    }

    private static ComparisonResult Compare(ComparisonRequest c, ArmRuns a, ArmRuns b, RecordCache records, TextWriter log)
    {
        var seedsB = b.Seeds.ToDictionary(s => s.Seed);
        var paired = a.Seeds.Where(s => seedsB.ContainsKey(s.Seed)).OrderBy(s => s.Seed).ToList();
        var left = a.Seeds.Select(s => s.Seed).Concat(b.Seeds.Select(s => s.Seed)).Except(paired.Select(s => s.Seed)).Order().ToList();
        string name = $"{c.A} − {c.B} {c.Metric.Name()}/{c.Split} k={c.K}";
        if (paired.Count == 0)
            throw new InvalidDataException($"{name}: the arms share no seed ({c.A}: {string.Join(", ", a.Seeds.Select(s => s.Seed))}; {c.B}: {string.Join(", ", b.Seeds.Select(s => s.Seed))}); run both arms on the same seeds");
        if (left.Count > 0) log.WriteLine($"{name}: seeds {string.Join(", ", left)} ran in one arm only and are left out");

        var diffs = new double[paired.Count][];
        for (int s = 0; s < paired.Count; s++)
        {
            var (runA, runB) = (paired[s], seedsB[paired[s].Seed]);
            diffs[s] = PairedProblems.Differences(
                records.Values(runA.Eval, c.Metric, c.Split, c.K), records.Values(runB.Eval, c.Metric, c.Split, c.K),
                runA.Eval, runB.Eval, $"{name}, seed {runA.Seed}");
        }
        return Summarise(c, diffs);
    }

    /// <summary>The comparison's statistics from its per-seed differences (p_holm left 0 for the caller).</summary>
    internal static ComparisonResult Summarise(ComparisonRequest c, double[][] diffs)
    {
        var (low, high) = PairedStatistics.BootstrapCi(diffs);
        double disagreement = PairedStatistics.DisagreementRate(diffs);
        long pairs = diffs.Sum(d => (long)d.Length);
        return new ComparisonResult(c.A, c.B, c.Metric, c.Split, c.K,
            PairedStatistics.Mean(diffs), low, high, PairedStatistics.SignFlipPValue(diffs), 0,
            diffs.Min(d => d.Length), diffs.Length, c.Primary)
        {
            DisagreementRate = disagreement,
            MinimumDetectableEffect = PairedStatistics.MinimumDetectableEffect(disagreement, pairs),
            Pairs = pairs,
        };
    }

    private static List<ArmMean> ArmMeans(Dictionary<string, ArmRuns> arms, IReadOnlyList<ComparisonRequest> comparisons, RecordCache records)
    {
        var means = new List<ArmMean>();
        foreach (var key in comparisons.Select(c => (c.Metric, c.Split, c.K)).Distinct())
        {
            var involved = comparisons.Where(c => (c.Metric, c.Split, c.K) == key).SelectMany(c => new[] { c.A, c.B }).Distinct();
            foreach (string arm in involved)
            {
                var values = arms[arm].Seeds.OrderBy(s => s.Seed)
                    .Select(s => PairedProblems.Ordered(records.Values(s.Eval, key.Metric, key.Split, key.K), s.Eval, $"{arm} {key.Metric.Name()}/{key.Split}, seed {s.Seed}"))
                    .ToArray();
                var (low, high) = PairedStatistics.BootstrapCi(values);
                means.Add(new ArmMean(arm, key.Metric, key.Split, key.K, PairedStatistics.Mean(values), low, high, values.Length));
            }
        }
        return means;
    }

    /// <summary>Reads each eval file once, however many comparisons use it.</summary>
    private sealed class RecordCache(string dir)
    {
        private readonly Dictionary<string, IReadOnlyList<EvalRecord>> _files = new(StringComparer.Ordinal);

        public Dictionary<string, double> Values(string relative, EvalMetric metric, string split, int k)
        {
            string path = Path.GetFullPath(Path.Combine(dir, relative));
            if (!_files.TryGetValue(path, out var records))
                _files[path] = records = EvalRecordsFile.Read(path);
            return MetricValues.Of(records, metric, split, k, path);
        }
    }
}
