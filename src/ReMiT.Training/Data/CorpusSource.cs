using System.Text.Json.Serialization;

namespace ReMiT.Training.Data;

/// <summary>
/// One component of a corpus mixture. The JSON "type" field picks the task:
/// <c>{"type": "gsm", "ops": "11-14", "weight": 0.8}</c> or <c>{"type": "kk", "people": "3-5"}</c>.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(GsmCorpusSource), "gsm")]
[JsonDerivedType(typeof(KkCorpusSource), "kk")]
public abstract record CorpusSource
{
    /// <summary>Relative share of documents drawn from this source; need not sum to 1 across sources.</summary>
    public double Weight { get; init; } = 1.0;

    /// <summary>Label written into each <see cref="Document.Source"/>; defaults to e.g. "gsm 2-10".</summary>
    public string? Name { get; init; }

    /// <summary><see cref="Name"/> if set, else a label derived from the settings.</summary>
    [JsonIgnore]
    public string Label => string.IsNullOrWhiteSpace(Name) ? DefaultLabel : Name;

    [JsonIgnore]
    protected abstract string DefaultLabel { get; }

    /// <summary>Every problem with this source, each prefixed with <paramref name="path"/> (e.g. "sources[1]").</summary>
    public IReadOnlyList<string> Validate(string path = "source")
    {
        var problems = new List<string>();
        if (!double.IsFinite(Weight) || Weight <= 0)
            problems.Add($"{path}.weight: expected a finite number > 0, got {Weight}");
        ValidateTask(path, problems);
        return problems;
    }

    protected abstract void ValidateTask(string path, List<string> problems);

    /// <summary>
    /// <paramref name="count"/> documents from this source; deterministic for <paramref name="seed"/>, and the
    /// first k documents for a count n ≥ k are the documents for count k (a mixture's share can grow
    /// without changing what was already drawn).
    /// </summary>
    /// <exception cref="ArgumentException">The source is invalid (see <see cref="Validate"/>).</exception>
    public abstract IEnumerable<Document> Generate(int count, ulong seed);

    private protected void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
            throw new ArgumentException($"invalid corpus source {Label}: {string.Join("; ", problems)}", "source");
    }
}
