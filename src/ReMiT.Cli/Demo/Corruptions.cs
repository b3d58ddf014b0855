using System.Globalization;
using System.Text.RegularExpressions;

namespace ReMiT.Cli.Demo;

/// <summary>
/// Known-bad variants of a correct response, so the demo can show what each verifier rewards and
/// what it refuses. Each returns null when the response has nothing to corrupt in that way.
/// </summary>
internal static partial class Corruptions
{
    [GeneratedRegex(@"<answer>\s*(-?\d+)\s*</answer>")]
    private static partial Regex TaggedAnswer();

    [GeneratedRegex(@"= (\d+)\. ")]
    private static partial Regex FirstStepValue();

    [GeneratedRegex(@"\(\d+\) (\S+) is a (knight|knave)")]
    private static partial Regex KkLine();

    /// <summary>GSM: the final answer off by one; the trace untouched.</summary>
    public static string? GsmWrongAnswer(string response) => Bump(TaggedAnswer(), response);

    /// <summary>GSM: the first computed value off by one; the answer untouched.</summary>
    public static string? GsmWrongStep(string response) => Bump(FirstStepValue(), response);

    /// <summary>GSM: the first "Define …" step left out.</summary>
    public static string? GsmMissingStep(string response)
    {
        int second = response.IndexOf(" Define ", StringComparison.Ordinal);
        return second < 0 ? null : response[(second + 1)..];
    }

    /// <summary>GSM: the answer given as "Answer: N." instead of in tags (Interplay's outcome reward says 0).</summary>
    public static string? GsmUntaggedAnswer(string response)
    {
        var m = TaggedAnswer().Match(response);
        int close = response.IndexOf("</solution>", StringComparison.Ordinal);
        return !m.Success || close < 0 ? null : response[..close].TrimEnd() + $" Answer: {m.Groups[1].Value}.";
    }

    /// <summary>K&amp;K: the first person's role flipped.</summary>
    public static string? KkFlippedRole(string response)
    {
        var m = KkLine().Match(response);
        if (!m.Success) return null;
        string role = m.Groups[2].Value == "knight" ? "knave" : "knight";
        return response[..m.Groups[2].Index] + role + response[(m.Groups[2].Index + m.Groups[2].Length)..];
    }

    /// <summary>K&amp;K: the last answer line dropped (someone unnamed).</summary>
    public static string? KkMissingPerson(string response)
    {
        int last = response.LastIndexOf('\n');
        return last < 0 || !KkLine().IsMatch(response[(last + 1)..]) ? null : response[..last];
    }

    /// <summary>K&amp;K: reasoning with no CONCLUSION section.</summary>
    public static string? KkNoConclusion(string response)
    {
        int at = response.IndexOf("CONCLUSION:", StringComparison.Ordinal);
        return at < 0 ? null : response[..at].TrimEnd();
    }

    private static string? Bump(Regex regex, string text)
    {
        var m = regex.Match(text);
        if (!m.Success) return null;
        var g = m.Groups[1];
        long value = long.Parse(g.Value, CultureInfo.InvariantCulture) + 1;
        return text[..g.Index] + value.ToString(CultureInfo.InvariantCulture) + text[(g.Index + g.Length)..];
    }
}
