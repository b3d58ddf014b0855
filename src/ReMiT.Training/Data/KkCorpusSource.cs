using System.Globalization;
using ReMiT.Tasks.KnightsKnaves;

namespace ReMiT.Training.Data;

/// <summary>
/// Knights &amp; Knaves puzzles (Xie et al.) with their backtracking chain of thought; the number of
/// people is drawn uniformly from <see cref="People"/> for each puzzle.
/// </summary>
public sealed record KkCorpusSource : CorpusSource
{
    /// <summary>People per puzzle, "3-5" or "4".</summary>
    public string People { get; init; } = "3-5";

    protected override string DefaultLabel => $"kk {People}";

    protected override void ValidateTask(string path, List<string> problems)
    {
        if (!TryParsePeople(People, out _, out _, out string? error))
            problems.Add($"{path}.people: {error}");
    }

    public override IEnumerable<Document> Generate(int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ThrowIfInvalid();
        TryParsePeople(People, out int min, out int max, out _);
        string label = Label;
        return KkGenerator.Generate(min, max, count, seed).Select(p => ToDocument(p, label));
    }

    /// <summary>Uses <see cref="KkJson.ToJson"/> so documents match the K&amp;K JSONL files character for character.</summary>
    internal static Document ToDocument(KkPuzzle puzzle, string source)
    {
        var json = KkJson.ToJson(puzzle);
        string prompt = (string)json["prompt"]!;
        string text = (string)json["text"]!;
        return new Document(source, prompt, text[prompt.Length..], text, puzzle.SolutionText, puzzle.PeopleCount);
    }

    internal static bool TryParsePeople(string? text, out int min, out int max, out string? error)
    {
        min = max = 0;
        error = null;
        var parts = (text ?? "").Trim().Split('-');
        if (parts.Length is not (1 or 2)
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out min)
            || !int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out max))
        {
            error = $"expected a count or range such as \"3-5\", got '{text}'";
            return false;
        }
        if (min < KkGenerator.MinPeople || max > KkGenerator.MaxPeople || min > max)
        {
            error = $"expected {KkGenerator.MinPeople} ≤ min ≤ max ≤ {KkGenerator.MaxPeople} people, got '{text}'";
            return false;
        }
        return true;
    }
}
