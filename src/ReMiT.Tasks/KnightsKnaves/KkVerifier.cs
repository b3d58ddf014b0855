namespace ReMiT.Tasks.KnightsKnaves;

/// <summary>
/// Judges a model's answer. The answer is the block of lines after the last "CONCLUSION:"; inside
/// Logic-RL's &lt;answer&gt;…&lt;/answer&gt; tags (the last pair wins) the lines after "CONCLUSION:" if
/// present, else the whole block; a response made of answer lines only is its own answer. Each line reads
/// "Name is a knight|knave", optionally numbered "(1)" / "1." / "1)" or bulleted, with a trailing period
/// or **bold** allowed. The block ends at the first blank line after it starts, so prose after a blank
/// line does not count against the answer.
/// </summary>
public static class KkVerifier
{
    private const string Conclusion = "CONCLUSION:";
    private const string AnswerOpen = "<answer>";
    private const string AnswerClose = "</answer>";

    public static KkJudgement Judge(ReadOnlySpan<char> response, IReadOnlyList<string> names, IReadOnlyList<bool> solution)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(solution);
        if (names.Count != solution.Count)
            throw new ArgumentException($"solution: expected one role per name ({names.Count}), found {solution.Count}.", nameof(solution));

        ReadOnlySpan<char> section;
        var open = response.LastIndexOf(AnswerOpen, StringComparison.OrdinalIgnoreCase);
        if (open >= 0)
        {
            var body = response[(open + AnswerOpen.Length)..];
            var close = body.IndexOf(AnswerClose, StringComparison.OrdinalIgnoreCase);
            if (close < 0)
                return new KkJudgement(KkVerdict.Malformed, "<answer> is never closed by </answer>");
            section = AfterConclusion(body[..close], out _);
        }
        else
        {
            section = AfterConclusion(response, out var found);
            if (!found && !AllAnswerLines(response, names))
                return new KkJudgement(KkVerdict.Malformed, "no 'CONCLUSION:' or <answer> section", AnswerFound: false);
        }
        return JudgeLines(section, names, solution);
    }

    private static ReadOnlySpan<char> AfterConclusion(ReadOnlySpan<char> text, out bool found)
    {
        var at = text.LastIndexOf(Conclusion, StringComparison.OrdinalIgnoreCase);
        found = at >= 0;
        return found ? text[(at + Conclusion.Length)..] : text;
    }

    private static bool AllAnswerLines(ReadOnlySpan<char> text, IReadOnlyList<string> names)
    {
        var any = false;
        foreach (var line in text.EnumerateLines())
        {
            if (line.IsWhiteSpace())
                continue;
            if (ParseLine(line, names, out _, out _) is not null)
                return false;
            any = true;
        }
        return any;
    }

    private static KkJudgement JudgeLines(ReadOnlySpan<char> section, IReadOnlyList<string> names, IReadOnlyList<bool> solution)
    {
        var said = new bool?[names.Count];
        var started = false;
        foreach (var line in section.EnumerateLines())
        {
            if (line.IsWhiteSpace())
            {
                if (started)
                    break;
                continue;
            }
            started = true;
            if (ParseLine(line, names, out var person, out var knight) is string problem)
                return new KkJudgement(KkVerdict.Malformed, problem);
            if (said[person] is not null)
                return new KkJudgement(KkVerdict.Malformed, $"{names[person]} is named twice");
            said[person] = knight;
        }
        if (!started)
            return new KkJudgement(KkVerdict.Malformed, "the answer section is empty", AnswerFound: false);
        for (var i = 0; i < names.Count; i++)
            if (said[i] is null)
                return new KkJudgement(KkVerdict.Malformed, $"{names[i]} is missing from the answer");
        for (var i = 0; i < names.Count; i++)
            if (said[i] != solution[i])
                return new KkJudgement(KkVerdict.Wrong, $"{names[i]} is {(solution[i] ? "a knight" : "a knave")}");
        return new KkJudgement(KkVerdict.Correct);
    }

    // Null when the line reads "[marker] Name is a knight|knave[.]"; otherwise what is wrong with it.
    private static string? ParseLine(ReadOnlySpan<char> raw, IReadOnlyList<string> names, out int person, out bool knight)
    {
        person = -1;
        knight = false;
        Span<char> buffer = stackalloc char[Math.Min(raw.Length, 512)];
        if (raw.Length > buffer.Length)
            return $"line too long ({raw.Length} chars)";
        // Markdown bold is common in model output and carries no meaning here.
        var n = 0;
        for (var i = 0; i < raw.Length; i++)
            if (raw[i] != '*')
                buffer[n++] = raw[i];
        var line = StripMarker(buffer[..n].Trim()).TrimEnd().TrimEnd('.').TrimEnd();

        const string Is = " is a ";
        var at = line.LastIndexOf(Is, StringComparison.OrdinalIgnoreCase);
        if (at <= 0)
            return $"unparsable answer line '{raw.Trim().ToString()}'; expected e.g. '(1) {names[0]} is a knight'";
        var name = line[..at].Trim();
        var role = line[(at + Is.Length)..].Trim();
        if (role.Equals("knight", StringComparison.OrdinalIgnoreCase))
            knight = true;
        else if (!role.Equals("knave", StringComparison.OrdinalIgnoreCase))
            return $"unknown role '{role.ToString()}' in '{raw.Trim().ToString()}'; expected knight or knave";
        for (var i = 0; i < names.Count; i++)
            if (name.Equals(names[i], StringComparison.OrdinalIgnoreCase))
                person = i;
        return person < 0 ? $"unknown name '{name.ToString()}'; expected one of {string.Join(", ", names)}" : null;
    }

    // "(3) ", "3. ", "3) ", "- ", "• " in front of an answer line.
    private static ReadOnlySpan<char> StripMarker(ReadOnlySpan<char> line)
    {
        if (line.Length > 0 && line[0] is '-' or '•')
            return line[1..].TrimStart();
        var i = line.Length > 0 && line[0] == '(' ? 1 : 0;
        var digits = i;
        while (digits < line.Length && char.IsAsciiDigit(line[digits]))
            digits++;
        if (digits == i || digits >= line.Length)
            return line;
        if (i == 1 ? line[digits] == ')' : line[digits] is '.' or ')')
            return line[(digits + 1)..].TrimStart();
        return line;
    }
}
