using System.CommandLine;
using System.Text.Json.Nodes;
using ReMiT.Cli.Html;
using ReMiT.Cli.JsonLines;
using ReMiT.Model;
using ReMiT.Training.Losses;
using static TorchSharp.torch;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit weights</c>: the per-token weights a guide would give a policy's mid-training data.</summary>
internal static class WeightsCommand
{
    public static Command Create()
    {
        var policy = new Option<string>("--policy") { Description = "The model being mid-trained (p_θ): a model directory.", Required = true };
        var guide = new Option<string>("--guide") { Description = "The RL-tuned guide (p_RL): a model directory with the same vocabulary.", Required = true };
        var input = new Option<string>("--input") { Description = "JSON Lines with input_ids (or text, when the policy directory has a tokenizer).", Required = true };
        var output = new Option<string>("--output") { Description = "Output JSON Lines: each line plus weights (one per token after the first).", Required = true };
        var scheme = new Option<string>("--scheme") { Description = "remit (clip(2σ(Δ̂), 1−ε, 1+ε)) or rho1 (1 for the top keep-ratio share of excess loss, else 0).", DefaultValueFactory = _ => "remit" };
        scheme.AcceptOnlyFromAmong("remit", "rho1");
        var epsilon = new Option<double>("--epsilon") { Description = "ReMiT's ε.", DefaultValueFactory = _ => 0.2 };
        var keep = new Option<double>("--keep-ratio") { Description = "Rho-1's share of tokens kept, per sequence.", DefaultValueFactory = _ => 0.8 };
        var html = new Option<string?>("--html") { Description = "Also write an HTML page colouring tokens by weight." };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "cpu" };
        var command = new Command("weights",
            "Per-token mid-training weights from a policy and its RL-tuned guide (ReMiT eqs. 3–6, or Rho-1's selection),\n" +
            "aligned with remit score's token_logprobs; --html shows which tokens RL promotes (ReMiT §2.2).\n\n" +
            "Example:\n  remit weights --policy runs/tiny/base --guide runs/tiny/rl-base --input gsm.jsonl --output w.jsonl --html w.html")
            { policy, guide, input, output, scheme, epsilon, keep, html, device };
        command.SetGuardedAction((p, stdout, error) =>
        {
            double eps = p.GetValue(epsilon), keepRatio = p.GetValue(keep);
            if (!(eps > 0 && eps < 1)) throw new ArgumentException($"--epsilon must be in (0, 1), got {eps}.");
            if (!(keepRatio > 0 && keepRatio <= 1)) throw new ArgumentException($"--keep-ratio must be in (0, 1], got {keepRatio}.");
            using var policyModel = ModelInputs.Open(p.GetValue(policy)!, p.GetValue(device)!, "float32");
            using var guideModel = ModelInputs.Open(p.GetValue(guide)!, p.GetValue(device)!, "float32");
            if (policyModel.Model.Config.VocabSize != guideModel.Model.Config.VocabSize)
                throw new ArgumentException($"--policy has vocabulary {policyModel.Model.Config.VocabSize}, --guide {guideModel.Model.Config.VocabSize}: they must share a tokenizer.");

            var lines = JsonLinesFile.Collect(p.GetValue(input)!, line => (Line: line, Ids: policyModel.Ids(line)), error, out int bad);
            var ids = lines.Select(l => l.Ids).ToArray();
            float[][] policyLp = TokenScorer.LogProbs(policyModel.Model, ids);
            float[][] guideLp = TokenScorer.LogProbs(guideModel.Model, ids);
            bool remit = p.GetValue(scheme) == "remit";
            var pages = new List<WeightedSequence>();
            for (int i = 0; i < lines.Count; i++)
            {
                double[] weights = remit ? ReMiTWeights(policyLp[i], guideLp[i], eps) : Rho1Selection(policyLp[i], guideLp[i], keepRatio);
                lines[i].Line["weights"] = new JsonArray(weights.Select(w => (JsonNode)JsonValue.Create(Math.Round(w, 6))).ToArray());
                lines[i].Line["delta"] = new JsonArray(policyLp[i].Zip(guideLp[i], (a, b) => (JsonNode)JsonValue.Create(Math.Round(b - a, 6))).ToArray());
                if (policyModel.Tokenizer is { } tok)
                    pages.Add(new WeightedSequence($"line {i + 1}", ids[i].Select(t => tok.Decode([t])).ToArray(),
                                                   [null, .. weights.Select(w => (double?)w)]));
            }
            JsonLinesFile.Write(p.GetValue(output)!, lines.Select(l => l.Line));
            if (p.GetValue(html) is { } page)
            {
                if (policyModel.Tokenizer is null)
                    throw new ArgumentException($"--html needs token text: {p.GetValue(policy)} has no tokenizer.json.");
                string legend = remit
                    ? $"ReMiT weights w = clip(2·σ(Δ̂), {1 - eps:F2}, {1 + eps:F2}), Δ = log p_RL − log p_θ centred per sequence: red tokens are ones the RL guide finds likelier than the policy does."
                    : $"Rho-1: red = kept (top {keepRatio:P0} excess loss), blue = dropped.";
                File.WriteAllText(page, TokenWeightsPage.Render("ReMiT token weights", legend, pages, remit ? eps : 1.0));
                stdout.WriteLine($"weights: wrote {page}");
            }
            stdout.WriteLine($"weights: {lines.Count} sequences{(bad > 0 ? $", {bad} bad line(s) skipped" : "")}");
            return bad == 0 ? 0 : 1;
        });
        return command;
    }

    // The library's eqs. 3–6 on one sequence (the same code the mid-training loss uses).
    private static double[] ReMiTWeights(float[] policy, float[] guide, double epsilon)
    {
        if (policy.Length == 0) return [];
        using var scope = NewDisposeScope();
        var w = ReMiTWeighting.Weights(tensor(policy).unsqueeze(0), tensor(guide).unsqueeze(0), ones(1, policy.Length), epsilon);
        return w.squeeze(0).to(ScalarType.Float64).data<double>().ToArray();
    }

    // Rho-1's own selection (the one mid-training uses), applied to one sequence.
    private static double[] Rho1Selection(float[] policy, float[] guide, double keepRatio)
    {
        if (policy.Length == 0) return [];
        using var scope = NewDisposeScope();
        var selected = Rho1Weighting.Select(tensor(policy).unsqueeze(0), tensor(guide).unsqueeze(0),
                                            ones(1, policy.Length, ScalarType.Bool), keepRatio);
        return selected.squeeze(0).to(ScalarType.Float64).data<double>().ToArray();
    }
}
