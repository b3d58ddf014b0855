using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReMiT.Tasks.Gsm;

/// <summary>JSON lines for GSM problems and their rewards, as the CLI reads and writes them.</summary>
public static class GsmJson
{
    /// <summary>
    /// One problem as a JSON object: task "gsm", op, template (GSM-Infinite name), context (key),
    /// mode (normalforward/forwardreverse), problem, question, solution (gold trace with
    /// "Answer: N."), answer, text, prompt, split (id/edge/hard/other).
    /// </summary>
    public static JsonObject ToJson(GsmProblem p)
    {
        ArgumentNullException.ThrowIfNull(p);
        return new JsonObject
        {
            ["task"] = "gsm",
            ["op"] = p.Op,
            ["template"] = p.Template.Name,
            ["context"] = p.Template.Key,
            ["mode"] = GsmModes.FixtureName(p.Mode),
            ["problem"] = p.Problem,
            ["question"] = p.Question,
            ["solution"] = p.GoldSolution,
            ["answer"] = p.Answer,
            ["text"] = p.Text,
            ["prompt"] = p.Prompt,
            ["split"] = p.Split,
        };
    }

    /// <summary>
    /// Reads <c>solution</c> (gold trace), <c>answer</c> (gold) and <c>response</c> (model text after
    /// &lt;solution&gt;) and adds <c>outcome_reward</c>, <c>process_reward</c> and <c>reward</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A field is missing or not a string; the message names it.</exception>
    /// <param name="line">The line to score; fields are added in place.</param>
    /// <param name="strict">Also zero the reward when the answer is right but the trace has errors.</param>
    public static void AddRewards(JsonObject line, bool strict = false)
    {
        ArgumentNullException.ThrowIfNull(line);
        string gold = RequireString(line, "solution");
        string answer = RequireString(line, "answer");
        string response = RequireString(line, "response");
        var r = InterplayReward.Score(gold, answer, response, strict);
        line["outcome_reward"] = r.Outcome;
        line["process_reward"] = r.Process;
        line["reward"] = r.Combined;
    }

    private static string RequireString(JsonObject line, string field)
    {
        if (!line.TryGetPropertyValue(field, out var node) || node is null)
            throw new ArgumentException($"missing field '{field}'", nameof(line));
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
            throw new ArgumentException($"field '{field}' must be a string, found {node.GetValueKind()}", nameof(line));
        return v.GetValue<string>();
    }
}
