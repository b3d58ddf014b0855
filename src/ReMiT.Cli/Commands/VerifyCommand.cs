using System.CommandLine;
using System.Text.Json.Nodes;
using ReMiT.Cli.JsonLines;
using ReMiT.Tasks.Gsm;
using ReMiT.Tasks.KnightsKnaves;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit verify</c>: score model responses with the task's verifier.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var task = new Option<string>("--task") { Description = "gsm or kk.", Required = true };
        task.AcceptOnlyFromAmong("gsm", "kk");
        var input = new Option<string>("--input") { Description = "JSON Lines to score.", Required = true };
        var output = new Option<string>("--output") { Description = "Where to write the scored lines.", Required = true };
        var scheme = new Option<string>("--scheme") { Description = "kk reward scheme: binary, warmup (+2/-0.5/-1/-2) or logic-rl.", DefaultValueFactory = _ => "binary" };
        var strict = new Option<bool>("--strict") { Description = "gsm: zero the reward when the answer is right but the trace has errors." };
        var command = new Command("verify",
            "Score responses. gsm lines need solution (gold trace), answer (gold) and response (the model's text after <solution>);\n" +
            "adds outcome_reward, process_reward and reward (the Interplay reward). kk lines need names, statements, solution and\n" +
            "response; adds correct, verdict and reward.\n\n" +
            "Examples:\n  remit verify --task gsm --input responses.jsonl --output scored.jsonl\n" +
            "  remit verify --task kk --scheme warmup --input kk_responses.jsonl --output kk_scored.jsonl")
            { task, input, output, scheme, strict };
        command.SetGuardedAction((p, _, error) =>
        {
            Action<JsonObject> score = p.GetValue(task) switch
            {
                "gsm" => GsmScorer(p.GetValue(strict)),
                _ => KkScorer(KkRewardScheme.Named(p.GetValue(scheme)!)),
            };
            return JsonLinesFile.Transform(p.GetValue(input)!, p.GetValue(output)!, score, error) == 0 ? 0 : 1;
        });
        return command;
    }

    private static Action<JsonObject> KkScorer(KkRewardScheme scheme) => line => KkJson.AddVerdict(line, scheme);

    private static Action<JsonObject> GsmScorer(bool strict) => line => GsmJson.AddRewards(line, strict);
}
