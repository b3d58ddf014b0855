using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReMiT.Cli.JsonLines;
using ReMiT.Tokenization;
using ReMiT.Tokenization.Training;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit tokenizer train</c>: trains our byte-level BPE on a JSON Lines corpus.</summary>
internal static class TokenizerCommand
{
    public static Command Create()
    {
        var command = new Command("tokenizer", "Build tokenizers.");
        command.Subcommands.Add(CreateTrain());
        return command;
    }

    private static Command CreateTrain()
    {
        var inputOption = new Option<string>("--input") { Description = "JSON Lines corpus.", Required = true };
        var fieldOption = new Option<string>("--field") { Description = "The string field holding the text.", DefaultValueFactory = _ => "text" };
        var vocabOption = new Option<int>("--vocab-size") { Description = "Total vocab: special tokens + 256 bytes + merges.", DefaultValueFactory = _ => 2200 };
        var minFrequencyOption = new Option<int>("--min-frequency") { Description = "Never merge a pair seen fewer times.", DefaultValueFactory = _ => 2 };
        var outOption = new Option<string>("--out") { Description = "Directory to write tokenizer.json into.", Required = true };
        var command = new Command("train", "Train a byte-level BPE (Qwen-style split, single digits, task markup and BOS/EOS/PAD as special tokens) and save it as a Hugging Face tokenizer.json.\n\nExample:\n  remit tokenizer train --input corpus.jsonl --field text --vocab-size 2200 --out runs/tok");
        command.Options.Add(inputOption);
        command.Options.Add(fieldOption);
        command.Options.Add(vocabOption);
        command.Options.Add(minFrequencyOption);
        command.Options.Add(outOption);
        command.SetGuardedAction((parseResult, output, error) =>
        {
            string input = parseResult.GetValue(inputOption)!, field = parseResult.GetValue(fieldOption)!, outDir = parseResult.GetValue(outOption)!;
            List<string> texts = JsonLinesFile.Collect(input, obj => JsonLinesFile.Required<string>(obj, field), error, out int bad);
            if (texts.Count == 0)
                throw new ArgumentException($"{input}: no line has a string field '{field}'; nothing to train on.");
            var options = new BpeTrainerOptions { VocabSize = parseResult.GetValue(vocabOption), MinFrequency = parseResult.GetValue(minFrequencyOption) };
            var clock = Stopwatch.StartNew();
            HfTokenizer tokenizer = BpeTrainer.Train(texts, options);
            clock.Stop();
            string path = Path.Combine(outDir, "tokenizer.json");
            tokenizer.Save(path);
            long bytes = 0, tokens = 0;
            foreach (string text in texts)
            {
                bytes += Encoding.UTF8.GetByteCount(text);
                tokens += tokenizer.Encode(text).Length;
            }
            output.WriteLine($"wrote:       {path}");
            output.WriteLine($"texts:       {texts.Count} ({bytes / 1e6:F2} MB)");
            output.WriteLine($"vocab size:  {tokenizer.VocabSize}");
            output.WriteLine($"merges:      {tokenizer.Merges.Count}");
            output.WriteLine($"train time:  {clock.Elapsed.TotalSeconds:F2} s");
            output.WriteLine($"compression: {(tokens == 0 ? 0 : bytes / (double)tokens):F2} bytes/token on the training text");
            return bad == 0 ? 0 : 1;
        });
        return command;
    }
}
