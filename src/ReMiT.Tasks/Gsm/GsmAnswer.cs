using System.Text.RegularExpressions;

namespace ReMiT.Tasks.Gsm;

/// <summary>
/// Answer extraction exactly as Interplay does it: <see cref="ExtractTagged"/> is
/// <c>verl/reward_fn.py:extract_answer</c> (the outcome reward), <see cref="ExtractNumber"/> is
/// <c>SolutionParser._extract_answer</c> (the answer node of the process graph).
/// </summary>
public static partial class GsmAnswer
{
    // Python's re.IGNORECASE also folds U+017F (long s) onto 's'; spelled out so .NET agrees.
    private const string AnswerWord = "[Aa][Nn][Ss\u017F][Ww][Ee][Rr]";

    [GeneratedRegex("<" + AnswerWord + ">(.*?)</" + AnswerWord + ">", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex TaggedRegex();

    [GeneratedRegex("<" + AnswerWord + ">" + PyText.SpaceClass + @"*([-+]?\d+(?:\.\d+)?)", RegexOptions.CultureInvariant)]
    private static partial Regex TaggedNumberRegex();

    [GeneratedRegex("Answer:" + PyText.SpaceClass + @"*([-+]?\d+(?:\.\d+)?)", RegexOptions.CultureInvariant)]
    private static partial Regex AnswerColonRegex();

    /// <summary>
    /// The text between the first <c>&lt;answer&gt;</c> and <c>&lt;/answer&gt;</c> (case-insensitive,
    /// across lines), trimmed; else, after the last opening tag, the text up to the next '&lt;' or
    /// newline, trimmed; else "". An untagged "Answer: 3" yields "".
    /// </summary>
    public static string ExtractTagged(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var m = TaggedRegex().Match(text);
        if (m.Success) return PyText.Strip(m.Groups[1].Value);

        // Python finds the tag in text.lower() and slices the original text at that index; U+0130
        // lowers to two characters, so the slice can drift. Kept as is.
        int pos = PyText.LowerForSearch(text).LastIndexOf("<answer>", StringComparison.Ordinal);
        if (pos < 0) return "";
        int from = pos + "<answer>".Length;
        string tail = from <= text.Length ? text[from..] : "";
        int stop = tail.IndexOfAny(['<', '\n']);
        return PyText.Strip(stop >= 0 ? tail[..stop] : tail);
    }

    /// <summary>
    /// The number right after the first <c>&lt;answer&gt;</c> (case-insensitive) that is followed by
    /// one, else after the first "Answer:" (case-sensitive), else null.
    /// </summary>
    public static double? ExtractNumber(string solution)
    {
        ArgumentNullException.ThrowIfNull(solution);
        var m = TaggedNumberRegex().Match(solution);
        if (m.Success) return PyText.ParseMatchedNumber(m.Groups[1].Value);
        m = AnswerColonRegex().Match(solution);
        return m.Success ? PyText.ParseMatchedNumber(m.Groups[1].Value) : null;
    }

    /// <summary><c>text.strip().rstrip(".")</c>: how both answers are normalised before comparing.</summary>
    internal static string Normalise(string text) => PyText.Strip(text).TrimEnd('.');
}
