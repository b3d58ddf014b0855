using ReMiT.Tasks;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ReMiT.Training.Data;

/// <summary>
/// A weighted mixture of task sources, as it appears in a run config:
/// <c>{"sources": [{"type": "gsm", "ops": "2-10", "weight": 0.2}, {"type": "gsm", "ops": "11-14", "weight": 0.8}]}</c>.
/// </summary>
public sealed record CorpusMixture(IReadOnlyList<CorpusSource> Sources)
{
    // Separates the source draws from the per-source generation seeds, which derive from the same user seed.
    private const ulong DrawDomain = 0x4D4958UL; // "MIX"

    /// <summary>camelCase, unknown keys rejected (a misspelt key must not silently fall back to a default).</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Interplay's mid-training mixture: 20% ID (op 2–10) and 80% OOD-edge (op 11–14) GSM problems.</summary>
    public static CorpusMixture InterplayMidTraining { get; } = new(
    [
        new GsmCorpusSource { Ops = "2-10", Weight = 0.2 },
        new GsmCorpusSource { Ops = "11-14", Weight = 0.8 },
    ]);

    /// <summary>Every problem with this mixture, each naming its JSON path; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        if (Sources is null || Sources.Count == 0)
            return ["sources: expected at least one source"];
        var problems = new List<string>();
        for (int i = 0; i < Sources.Count; i++)
        {
            if (Sources[i] is null) problems.Add($"sources[{i}]: expected a source, found null");
            else problems.AddRange(Sources[i].Validate($"sources[{i}]"));
        }
        return problems;
    }

    /// <summary>
    /// <paramref name="documents"/> documents: each one's source is drawn by weight (SplitMix64 from
    /// <paramref name="seed"/>), and source s generates its documents in order from a seed derived from
    /// (<paramref name="seed"/>, s). Deterministic for a seed.
    /// </summary>
    /// <param name="heldOutIds">
    /// Problem ids (<see cref="ProblemId.Of"/> of the prompt) never to train on, e.g. the eval problems: a
    /// source skips them and draws its next document instead, so a mixture with nothing held out is
    /// unchanged.
    /// </param>
    /// <exception cref="ArgumentException">The mixture is invalid; the message lists every problem.</exception>
    public IReadOnlyList<Document> Generate(int documents, ulong seed, IReadOnlySet<string>? heldOutIds = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(documents);
        var problems = Validate();
        if (problems.Count > 0)
            throw new ArgumentException($"invalid corpus mixture: {string.Join("; ", problems)}", nameof(Sources));

        int[] picks = DrawSources(documents, seed);
        var counts = new int[Sources.Count];
        foreach (int s in picks) counts[s]++;
        var streams = Sources.Select((src, s) => Kept(src, counts[s], SourceSeed(seed, s), heldOutIds).GetEnumerator()).ToArray();
        try
        {
            var result = new Document[documents];
            for (int i = 0; i < documents; i++)
            {
                if (!streams[picks[i]].MoveNext())
                    throw new InvalidOperationException($"source {Sources[picks[i]].Label} ended before its {counts[picks[i]]} documents");
                result[i] = streams[picks[i]].Current;
            }
            return result;
        }
        finally
        {
            foreach (var e in streams) e.Dispose();
        }
    }

    // Sources are lazy and prefix-stable, so asking for more than needed only generates what is taken;
    // the head-room covers the held-out problems a source meets on the way.
    private static IEnumerable<Document> Kept(CorpusSource source, int count, ulong seed, IReadOnlySet<string>? heldOutIds) =>
        heldOutIds is null || heldOutIds.Count == 0
            ? source.Generate(count, seed)
            : source.Generate(count + Math.Min(count, heldOutIds.Count) + 64, seed).Where(d => !heldOutIds.Contains(ProblemId.Of(d.Prompt)));

    /// <summary>The generation seed of source <paramref name="index"/> (exposed so tools can regenerate one source).</summary>
    public static ulong SourceSeed(ulong seed, int index) => SplitMix64.Derive(seed, (ulong)index + 1);

    /// <summary>Parses a mixture from JSON (<see cref="JsonOptions"/>) and validates it.</summary>
    /// <exception cref="ArgumentException">Malformed JSON, an unknown key or type, or invalid values.</exception>
    public static CorpusMixture FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        CorpusMixture? mixture;
        try
        {
            mixture = JsonSerializer.Deserialize<CorpusMixture>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"corpus mixture JSON is invalid at {e.Path ?? "$"}: {e.Message}", nameof(json), e);
        }
        if (mixture is null) throw new ArgumentException("corpus mixture JSON is null; expected {\"sources\": [...]}", nameof(json));
        var problems = mixture.Validate();
        if (problems.Count > 0)
            throw new ArgumentException($"invalid corpus mixture: {string.Join("; ", problems)}", nameof(json));
        return mixture;
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    private int[] DrawSources(int documents, ulong seed)
    {
        var cumulative = new double[Sources.Count];
        double total = 0;
        for (int s = 0; s < Sources.Count; s++) cumulative[s] = total += Sources[s].Weight;
        var rng = new SplitMix64(SplitMix64.Derive(seed ^ DrawDomain, 0));
        var picks = new int[documents];
        for (int i = 0; i < documents; i++)
        {
            double u = rng.NextDouble() * total;
            int s = 0;
            while (s < cumulative.Length - 1 && u >= cumulative[s]) s++;
            picks[i] = s;
        }
        return picks;
    }
}
