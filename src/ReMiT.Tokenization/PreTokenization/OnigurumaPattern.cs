using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ReMiT.Tokenization.PreTokenization;

/// <summary>
/// A split regex from a <c>tokenizer.json</c> (HF compiles it with Oniguruma), run with .NET's
/// <see cref="Regex"/> so that it finds the same matches. Two differences need care:
/// <list type="bullet">
/// <item>.NET matches UTF-16 code units, so <c>\p{L}</c> misses astral letters such as U+1D400.
/// Each astral code point is replaced by a BMP stand-in of the same general category before
/// matching, and offsets are mapped back. The patterns of byte-level BPE tokenizers only test
/// categories and BMP literals, so the stand-in changes no match.</item>
/// <item>Oniguruma's <c>(?i:…)</c> uses Unicode case folding (<c>'ſ</c> matches <c>'s</c>), .NET's
/// does not; letters inside such groups become explicit classes.</item>
/// </list>
/// <c>\s</c> needs no change: both engines use exactly the White_Space set.
/// </summary>
internal sealed class OnigurumaPattern
{
    // Beyond the ASCII case pair, the code points whose simple case folding lands on an ASCII letter.
    private static readonly Dictionary<char, string> ExtraFolds = new() { ['k'] = "\u212A", ['s'] = "\u017F" };

    private static readonly char[] StandIns = BuildStandIns();

    private readonly Regex _regex;

    public OnigurumaPattern(string pattern)
    {
        Pattern = pattern;
        _regex = new Regex(Translate(pattern), RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }

    /// <summary>The pattern as written in the tokenizer.json.</summary>
    public string Pattern { get; }

    /// <summary>The (start, length) in UTF-16 units of every non-empty match in <paramref name="text"/>, in order.</summary>
    public List<(int Start, int Length)> Matches(string text)
    {
        var result = new List<(int, int)>();
        if (!HasSurrogatePair(text))
        {
            for (Match m = _regex.Match(text); m.Success; m = m.NextMatch())
                if (m.Length > 0) result.Add((m.Index, m.Length));
            return result;
        }

        // One char per code point; offsets[k] is where stand-in k starts in the original text.
        var mapped = new StringBuilder(text.Length);
        var offsets = new List<int>(text.Length + 1);
        for (int i = 0; i < text.Length; i++)
        {
            offsets.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                int cp = char.ConvertToUtf32(text[i], text[i + 1]);
                mapped.Append(StandIns[(int)CharUnicodeInfo.GetUnicodeCategory(cp)]);
                i++;
            }
            else
                mapped.Append(text[i]);
        }
        offsets.Add(text.Length);
        for (Match m = _regex.Match(mapped.ToString()); m.Success; m = m.NextMatch())
            if (m.Length > 0)
            {
                int start = offsets[m.Index];
                result.Add((start, offsets[m.Index + m.Length] - start));
            }
        return result;
    }

    private static bool HasSurrogatePair(string text)
    {
        foreach (char c in text)
            if (char.IsSurrogate(c)) return true;
        return false;
    }

    /// <summary>Rewrites Oniguruma-only syntax; rejects what it cannot translate faithfully.</summary>
    internal static string Translate(string pattern)
    {
        var sb = new StringBuilder(pattern.Length + 16);
        var groupIsCaseless = new Stack<bool>();
        bool caseless = false, inClass = false;
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\')
            {
                if (i + 1 >= pattern.Length) throw new ArgumentException($"pattern ends with a lone backslash: {pattern}");
                sb.Append(c).Append(pattern[++i]);
                continue;
            }
            if (inClass)
            {
                if (c == ']') inClass = false;
                else if (caseless && char.IsAsciiLetter(c))
                    throw new ArgumentException($"letters inside a character class within (?i:…) are not supported: {pattern}");
                sb.Append(c);
                continue;
            }
            switch (c)
            {
                case '[':
                    inClass = true;
                    sb.Append(c);
                    if (i + 1 < pattern.Length && pattern[i + 1] == '^') sb.Append(pattern[++i]);
                    if (i + 1 < pattern.Length && pattern[i + 1] == ']') sb.Append(pattern[++i]); // a literal ] first
                    break;
                case '(':
                    groupIsCaseless.Push(caseless);
                    if (pattern.AsSpan(i).StartsWith("(?i:"))
                    {
                        caseless = true;
                        sb.Append("(?:");
                        i += 3;
                    }
                    else if (pattern.AsSpan(i).StartsWith("(?") && i + 2 < pattern.Length && char.IsAsciiLetter(pattern[i + 2]))
                        throw new ArgumentException($"inline option group at offset {i} is not supported (only (?i:…)): {pattern}");
                    else
                        sb.Append(c);
                    break;
                case ')':
                    if (groupIsCaseless.Count > 0) caseless = groupIsCaseless.Pop();
                    sb.Append(c);
                    break;
                case '+' or '*' or '?' when i + 1 < pattern.Length && pattern[i + 1] == '+':
                    throw new ArgumentException($"possessive quantifier '{c}+' at offset {i} is not supported: {pattern}");
                default:
                    if (caseless && char.IsAsciiLetter(c))
                    {
                        char lower = char.ToLowerInvariant(c);
                        sb.Append('[').Append(lower).Append(char.ToUpperInvariant(c));
                        if (ExtraFolds.TryGetValue(lower, out string? extra)) sb.Append(extra);
                        sb.Append(']');
                    }
                    else
                        sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>For each general category, a BMP char of that category that no pattern names literally.</summary>
    private static char[] BuildStandIns()
    {
        var standIns = new char[32];
        var found = new bool[32];
        for (int cp = 0x370; cp < 0x10000; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF) continue;
            char ch = (char)cp;
            int cat = (int)CharUnicodeInfo.GetUnicodeCategory(ch);
            if (found[cat] || char.IsWhiteSpace(ch) || char.ToLowerInvariant(ch) < 0x370 || char.ToUpperInvariant(ch) < 0x370) continue;
            standIns[cat] = ch;
            found[cat] = true;
        }
        return standIns;
    }
}
