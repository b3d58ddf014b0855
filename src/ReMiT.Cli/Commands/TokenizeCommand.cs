using System.CommandLine;
using System.Text.Json.Nodes;
using ReMiT.Cli.JsonLines;
using ReMiT.Tokenization;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit tokenize</c>: adds <c>input_ids</c> and <c>decoded</c> to every line of a JSON Lines file.</summary>
internal static class TokenizeCommand
{
    public static Command Create()
    {
        var tokenizerOption = new Option<string>("--tokenizer") { Description = "A tokenizer.json, or a directory holding one.", Required = true };
        var inputOption = new Option<string>("--input") { Description = "JSON Lines input; every line needs a \"text\" field.", Required = true };
        var outputOption = new Option<string>("--output") { Description = "JSON Lines output: each input line plus input_ids (no BOS/EOS) and decoded.", Required = true };
        var command = new Command("tokenize", "Tokenize the \"text\" field of every line with a Hugging Face tokenizer.json.\n\nExample:\n  remit tokenize --tokenizer runs/tok --input problems.jsonl --output tokens.jsonl");
        command.Options.Add(tokenizerOption);
        command.Options.Add(inputOption);
        command.Options.Add(outputOption);
        command.SetGuardedAction((parseResult, _, error) =>
        {
            HfTokenizer tokenizer = HfTokenizer.Load(parseResult.GetValue(tokenizerOption)!);
            int bad = JsonLinesFile.Transform(parseResult.GetValue(inputOption)!, parseResult.GetValue(outputOption)!, obj =>
            {
                string text = JsonLinesFile.Required<string>(obj, "text");
                int[] ids = tokenizer.Encode(text);
                obj["input_ids"] = new JsonArray(ids.Select(id => (JsonNode)JsonValue.Create(id)).ToArray());
                obj["decoded"] = tokenizer.Decode(ids);
            }, error);
            return bad == 0 ? 0 : 1;
        });
        return command;
    }
}
