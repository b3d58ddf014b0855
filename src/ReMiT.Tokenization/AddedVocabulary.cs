namespace ReMiT.Tokenization;

/// <summary>
/// Splits text on added tokens the way HF's <c>AddedVocabulary</c> does: leftmost-longest matching
/// (HF uses Aho-Corasick with <c>LeftmostLongest</c>; a first-char index gives the same matches for
/// a few dozen tokens), with <c>single_word</c>, <c>lstrip</c> and <c>rstrip</c> applied per match.
/// Non-normalized tokens are matched on the raw text, the rest on the normalized pieces.
/// </summary>
internal sealed class AddedVocabulary
{
    private readonly Dictionary<char, AddedToken[]> _raw;
    private readonly Dictionary<char, AddedToken[]> _normalized;

    public AddedVocabulary(IReadOnlyList<AddedToken> tokens)
    {
        Tokens = tokens;
        _raw = Index(tokens.Where(t => !t.Normalized));
        _normalized = Index(tokens.Where(t => t.Normalized));
        ById = tokens.ToDictionary(t => t.Id);
        ByContent = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        foreach (AddedToken t in tokens) ByContent.TryAdd(t.Content, t);
    }

    public IReadOnlyList<AddedToken> Tokens { get; }

    public Dictionary<int, AddedToken> ById { get; }

    public Dictionary<string, AddedToken> ByContent { get; }

    public bool HasRaw => _raw.Count > 0;

    public bool HasNormalized => _normalized.Count > 0;

    /// <summary>Pieces of <paramref name="text"/>: (start, length, token or null for plain text).</summary>
    public List<(int Start, int Length, AddedToken? Token)> Split(string text, bool normalizedTokens)
    {
        Dictionary<char, AddedToken[]> index = normalizedTokens ? _normalized : _raw;
        var pieces = new List<(int, int, AddedToken?)>();
        int consumed = 0; // end of the last emitted piece
        int searchFrom = 0;
        while (searchFrom < text.Length)
        {
            (int start, AddedToken? token) = FindLeftmostLongest(text, searchFrom, index);
            if (token is null) break;
            int stop = start + token.Content.Length;
            searchFrom = stop;
            if (start < consumed) continue; // inside whitespace a previous rstrip swallowed
            if (token.SingleWord && (start > 0 && IsWordChar(text, start - 1, before: true) || stop < text.Length && IsWordChar(text, stop, before: false)))
                continue; // HF's match iterator has already moved past it
            if (token.LStrip)
            {
                int s = start;
                while (s > consumed && char.IsWhiteSpace(text[s - 1])) s--;
                start = s;
            }
            if (token.RStrip)
                while (stop < text.Length && char.IsWhiteSpace(text[stop])) stop++;
            if (consumed < start) pieces.Add((consumed, start - consumed, null));
            pieces.Add((start, stop - start, token));
            consumed = stop;
            searchFrom = stop;
        }
        if (consumed < text.Length) pieces.Add((consumed, text.Length - consumed, null));
        return pieces;
    }

    private static (int Start, AddedToken? Token) FindLeftmostLongest(string text, int from, Dictionary<char, AddedToken[]> index)
    {
        if (index.Count == 0) return (-1, null);
        for (int i = from; i < text.Length; i++)
        {
            if (!index.TryGetValue(text[i], out AddedToken[]? candidates)) continue;
            foreach (AddedToken t in candidates) // longest first
                if (i + t.Content.Length <= text.Length && string.CompareOrdinal(text, i, t.Content, 0, t.Content.Length) == 0)
                    return (i, t);
        }
        return (-1, null);
    }

    private static bool IsWordChar(string text, int index, bool before)
    {
        // HF checks the whole char (code point) next to the match: alphanumeric or '_'.
        int cp = text[index];
        if (before && char.IsLowSurrogate(text[index]) && index > 0 && char.IsHighSurrogate(text[index - 1]))
            cp = char.ConvertToUtf32(text[index - 1], text[index]);
        else if (!before && char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
            cp = char.ConvertToUtf32(text[index], text[index + 1]);
        if (cp == '_') return true;
        var cat = System.Globalization.CharUnicodeInfo.GetUnicodeCategory(cp);
        return cat is System.Globalization.UnicodeCategory.UppercaseLetter or System.Globalization.UnicodeCategory.LowercaseLetter
            or System.Globalization.UnicodeCategory.TitlecaseLetter or System.Globalization.UnicodeCategory.ModifierLetter
            or System.Globalization.UnicodeCategory.OtherLetter or System.Globalization.UnicodeCategory.DecimalDigitNumber
            or System.Globalization.UnicodeCategory.LetterNumber or System.Globalization.UnicodeCategory.OtherNumber;
    }

    private static Dictionary<char, AddedToken[]> Index(IEnumerable<AddedToken> tokens) =>
        tokens.Where(t => t.Content.Length > 0)
            .GroupBy(t => t.Content[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Content.Length).ToArray());
}
