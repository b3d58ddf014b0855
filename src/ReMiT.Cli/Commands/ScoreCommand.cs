using System.CommandLine;
using System.Text.Json.Nodes;
using ReMiT.Cli.JsonLines;
using ReMiT.Model;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit score</c>: per-token log-probs of given sequences.</summary>
internal static class ScoreCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model directory (config.json + model.safetensors [+ tokenizer.json]).", Required = true };
        var input = new Option<string>("--input") { Description = "JSON Lines with input_ids (or text, with a tokenizer).", Required = true };
        var output = new Option<string>("--output") { Description = "Output JSON Lines: each line plus token_logprobs.", Required = true };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { Description = "float32 or bfloat16 weights and activations.", DefaultValueFactory = _ => "float32" };
        var batch = new Option<int>("--batch-size") { Description = "Sequences per forward pass.", DefaultValueFactory = _ => 16 };
        var command = new Command("score",
            "Adds token_logprobs: log p(token | prefix) for every token after the first (one number fewer than tokens).\n\n" +
            "Example:\n  remit score --model runs/tiny/base --input problems.jsonl --output scored.jsonl") { model, input, output, device, dtype, batch };
        command.SetGuardedAction((p, stdout, error) =>
        {
            using var inputs = ModelInputs.Open(p.GetValue(model)!, p.GetValue(device)!, p.GetValue(dtype)!);
            string inPath = p.GetValue(input)!;
            var lines = JsonLinesFile.Collect(inPath, line => (Line: line, Ids: inputs.Ids(line)), error, out int bad);
            var progress = new Progress("score", lines.Count, stdout);
            int batchSize = p.GetValue(batch);
            var scored = new List<JsonObject>(lines.Count);
            for (int start = 0; start < lines.Count; start += batchSize)
            {
                var chunk = lines.Skip(start).Take(batchSize).ToArray();
                float[][] logProbs = TokenScorer.LogProbs(inputs.Model, chunk.Select(c => c.Ids).ToArray(), batchSize);
                for (int i = 0; i < chunk.Length; i++)
                {
                    chunk[i].Line["token_logprobs"] = ModelInputs.ToJson(logProbs[i]);
                    scored.Add(chunk[i].Line);
                }
                progress.Tick(chunk.Length);
            }
            JsonLinesFile.Write(p.GetValue(output)!, scored);
            progress.Done($"{scored.Count} sequences scored{(bad > 0 ? $", {bad} bad line(s) skipped" : "")}");
            return bad == 0 ? 0 : 1;
        });
        return command;
    }
}
