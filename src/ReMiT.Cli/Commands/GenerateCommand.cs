using System.CommandLine;
using System.Text.Json.Nodes;
using ReMiT.Cli.JsonLines;
using ReMiT.Model;
using ReMiT.Model.Checkpoints;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit generate</c>: batched sampling with behaviour log-probs.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model directory (config.json + model.safetensors or its shards [+ tokenizer.json, generation_config.json]).", Required = true };
        var input = new Option<string>("--input") { Description = "JSON Lines of prompts: input_ids (or text, with a tokenizer).", Required = true };
        var output = new Option<string>("--output") { Description = "Output JSON Lines: one line per prompt and sample.", Required = true };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Most tokens to generate per completion.", Required = true };
        var temperature = new Option<double>("--temperature") { Description = "0 = greedy.", DefaultValueFactory = _ => 1.0 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling threshold (1 = off).", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { Description = "Keep the K most likely tokens (0 = off).", DefaultValueFactory = _ => 0 };
        var samples = new Option<int>("--n-samples") { Description = "Completions per prompt (GRPO's G).", DefaultValueFactory = _ => 1 };
        var seed = new Option<long>("--seed") { Description = "Sampling seed (same seed and batch size ⇒ same output).", DefaultValueFactory = _ => 0 };
        var stop = new Option<int[]>("--stop-token") { Description = "Token id that ends a completion (repeatable; default: every eos_token_id in config.json and generation_config.json).", AllowMultipleArgumentsPerToken = true };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { Description = "float32 or bfloat16 weights and activations.", DefaultValueFactory = _ => "float32" };
        var batch = new Option<int>("--batch-size") { Description = "Prompts per batch.", DefaultValueFactory = _ => 32 };
        var command = new Command("generate",
            "Sample completions. Each output line is its prompt line plus sample_index, completion_ids, completion_logprobs\n" +
            "(log-prob of each sampled token under softmax(logits / temperature), the behaviour log-probs GRPO needs),\n" +
            "stopped, and completion_text when the model directory has a tokenizer.\n\n" +
            "Example:\n  remit generate --model runs/tiny/base --input prompts.jsonl --output samples.jsonl --max-new-tokens 128 --temperature 0.8 --n-samples 4 --seed 1")
            { model, input, output, maxNew, temperature, topP, topK, samples, seed, stop, device, dtype, batch };
        command.SetGuardedAction((p, stdout, error) =>
        {
            using var inputs = ModelInputs.Open(p.GetValue(model)!, p.GetValue(device)!, p.GetValue(dtype)!);
            var lines = JsonLinesFile.Collect(p.GetValue(input)!, line => (Line: line, Ids: inputs.Ids(line)), error, out int bad);
            int[] stops = p.GetValue(stop) is { Length: > 0 } given ? given : [.. HfGenerationConfig.StopTokenIds(inputs.Directory)];
            var options = new GenerationOptions(p.GetValue(maxNew), new SamplingOptions(p.GetValue(temperature), p.GetValue(topP), p.GetValue(topK)),
                p.GetValue(samples), stops, p.GetValue(seed));
            int batchSize = p.GetValue(batch);
            var progress = new Progress("generate", lines.Count, stdout);
            var written = new List<JsonObject>();
            for (int start = 0, batchIndex = 0; start < lines.Count; start += batchSize, batchIndex++)
            {
                var chunk = lines.Skip(start).Take(batchSize).ToArray();
                var completions = GenerationEngine.Generate(inputs.Model, chunk.Select(c => c.Ids).ToArray(),
                    options with { Seed = options.Seed + batchIndex });
                foreach (var c in completions)
                {
                    var line = chunk[c.PromptIndex].Line.DeepClone().AsObject();
                    line["sample_index"] = c.SampleIndex;
                    line["completion_ids"] = ModelInputs.ToJson(c.TokenIds);
                    line["completion_logprobs"] = ModelInputs.ToJson(c.LogProbs);
                    line["stopped"] = c.Stopped;
                    if (inputs.Tokenizer is not null) line["completion_text"] = inputs.Tokenizer.Decode(c.TokenIds);
                    written.Add(line);
                }
                progress.Tick(chunk.Length);
            }
            JsonLinesFile.Write(p.GetValue(output)!, written);
            progress.Done($"{written.Count} completions for {lines.Count} prompts{(bad > 0 ? $", {bad} bad line(s) skipped" : "")}");
            return bad == 0 ? 0 : 1;
        });
        return command;
    }
}
